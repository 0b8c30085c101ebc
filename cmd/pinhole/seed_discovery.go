package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
	"github.com/pinhole/pinhole/search"
	"github.com/pinhole/pinhole/sqlstore"
)

// The discovery data generator: accounts with realistic names, hashtags
// with a long tail of use, and places clustered in cities, written in
// large batches straight through the SQL store.

var firstNames = strings.Fields(`anna ben chloe david emma felix grace hugo isla jack kai lena leo liam lucas
maya mia milo nina noah olga oscar paula quinn rosa sam sara theo uma victor wanda xavier yara zoe
alice bob carol dan erin frank gina hana ivan julia karl laura marco nora omar petra rafael sofia
tomas ursula vera will yusuf zara amir beatriz chen diego elif fatima giulia haruto ines jonas
kenji lucia mateo nadia oliver priya ravi selin tariq valentina wei yuki aaron bianca carlos
dmitri elena farah gabriel helena igor jasmine kofi leila mohammed naomi pablo rania stefan tanvi
amara bruno celine dario esme finn greta hassan irene jorge katya luca mirela nico orla pedro
rhea silas talia ulla vikram wren ximena yasmin zeno adele basil cora dex eva gus hazel ida jude`)

// Display forms of a few first names, with the accents people use.
var accented = map[string]string{"jose": "José", "zoe": "Zoë", "soren": "Søren", "francois": "François", "bjork": "Björk",
	"elif": "Elif", "ines": "Inês", "lucia": "Lucía", "mateo": "Mateo", "rafael": "Rafaël", "celine": "Céline", "esme": "Esmé", "ximena": "Ximena"}

var lastNames = strings.Fields(`smith jones brown garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez
clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green
adams nelson baker hall rivera campbell mitchell carter roberts muller schmidt schneider fischer weber
meyer wagner becker rossi russo ferrari esposito bianchi romano dubois durand lefebvre moreau
laurent simon michel kowalski nowak wisniewski silva santos oliveira souza costa pereira tanaka
suzuki takahashi watanabe ito yamamoto kim park choi jung kang ivanov petrov sidorov novak horvat
jensen nielsen hansen larsen andersen olsen berg lind strom dahl nilsson eriksson karlsson persson`)

var words = strings.Fields(`sunset sunrise beach ocean mountain forest city street night sky cloud rain snow
coffee food travel summer winter autumn spring flower garden river lake bridge tower market harbour
portrait film analog photo light shadow black white color blue green golden hour morning evening
cat dog bird horse wild nature hike trail road train station window door wall art mural graffiti
bike surf skate run yoga dance music concert festival party friends family home kitchen bread
cake wine beer tea pasta pizza sushi ramen taco vegan local vintage retro minimal urban rural
desert island coast cliff valley meadow field farm barn castle church temple museum gallery park
square alley rooftop skyline neon reflection macro street_style fashion outfit wedding baby kids`)

var unicodeTags = strings.Fields(`café naïve straße 東京 日の出 ñandú crème brûlée münchen zürich kraków
málaga são_paulo reykjavík ålesund øresund façade piñata jalapeño fiancé résumé 서울 москва київ αθήνα`)

var placeAdjectives = strings.Fields(`Blue Old Little Golden Green Royal Grand Hidden Silver Sunny Quiet Corner North South
East West Central Harbour River Hill Garden Park Market Station Bridge Lake Ocean Forest Stone Red`)

var placeNouns = strings.Fields(`Café Bakery Bistro Square Park Garden Bridge Tower Museum Gallery Market Pier Beach
Viewpoint Bookshop Theatre Station Library Harbour Lighthouse Church Temple Plaza Fountain Steps Hall Bar Diner Deli`)

// cityCentres are where places cluster: latitude, longitude.
var cityCentres = [][2]float64{
	{48.8566, 2.3522}, {51.5074, -0.1278}, {40.7128, -74.006}, {34.0522, -118.2437}, {35.6762, 139.6503},
	{37.5665, 126.978}, {-33.8688, 151.2093}, {-23.5505, -46.6333}, {19.4326, -99.1332}, {55.7558, 37.6173},
	{52.52, 13.405}, {41.9028, 12.4964}, {40.4168, -3.7038}, {38.7223, -9.1393}, {59.3293, 18.0686},
	{60.1699, 24.9384}, {64.1466, -21.9426}, {50.0755, 14.4378}, {47.4979, 19.0402}, {52.2297, 21.0122},
	{41.0082, 28.9784}, {30.0444, 31.2357}, {-1.2921, 36.8219}, {-33.9249, 18.4241}, {6.5244, 3.3792},
	{28.6139, 77.209}, {19.076, 72.8777}, {13.7563, 100.5018}, {1.3521, 103.8198}, {-6.2088, 106.8456},
	{22.3193, 114.1694}, {31.2304, 121.4737}, {39.9042, 116.4074}, {25.2048, 55.2708}, {32.0853, 34.7818},
	{43.6532, -79.3832}, {45.5017, -73.5673}, {49.2827, -123.1207}, {41.8781, -87.6298}, {29.7604, -95.3698},
	{25.7617, -80.1918}, {37.7749, -122.4194}, {47.6062, -122.3321}, {-34.6037, -58.3816}, {-12.0464, -77.0428},
	{4.711, -74.0721}, {-41.2865, 174.7762}, {-36.8485, 174.7633}, {21.3069, -157.8583}, {61.2181, -149.9003},
}

// seedCounts is how many hashtags and places the generator makes.
type seedCounts struct {
	Tags, Places int
}

// seedBatch is the number of rows written per transaction.
const seedBatch = 5000

// seedDiscovery writes the dataset through the SQL store: the accounts
// named (made by makeAccounts), n.Tags hashtags and n.Places places,
// reporting progress to out.
func (m *Main) seedDiscovery(ctx context.Context, rng *rand.Rand, accounts []seededAccount, n seedCounts, out io.Writer) error {
	start := time.Now()
	// One real argon2id hash: every seeded account can log in with the
	// password "bench password".
	hash, err := identity.HashPassword("bench password", identity.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1})
	if err != nil {
		return err
	}
	now := m.Now().UTC()
	batch := make([]sqlstore.BulkAccount, 0, seedBatch)
	for i, sa := range accounts {
		a := &pinhole.Account{
			ID: m.Cluster.IDs.Next(rng.IntN(len(m.Cluster.ShardMap))), Username: sa.Username, Email: sa.Username + "@example.com",
			DisplayName: sa.DisplayName, CreatedAt: now.Add(-time.Duration(rng.IntN(3*365*24)) * time.Hour),
			FollowersCount: followers(rng), FollowingCount: int64(rng.IntN(500)), PostsCount: int64(rng.IntN(300)),
		}
		batch = append(batch, sqlstore.BulkAccount{Account: a, PasswordHash: hash, Entry: search.AccountEntry(a)})
		if len(batch) == seedBatch || i == len(accounts)-1 {
			if err := m.Store.BulkInsertAccounts(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if (i+1)%100_000 == 0 {
			fmt.Fprintf(out, "  %d accounts (%s)\n", i+1, time.Since(start).Round(time.Second))
		}
	}
	fmt.Fprintf(out, "  %d accounts in %s\n", len(accounts), time.Since(start).Round(time.Second))

	start = time.Now()
	tags := makeTags(rng, n.Tags, now)
	for i := 0; i < len(tags); i += seedBatch {
		if err := m.Store.BulkInsertTags(ctx, tags[i:min(i+seedBatch, len(tags))], now.AddDate(-1, 0, 0)); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "  %d hashtags in %s\n", len(tags), time.Since(start).Round(time.Second))

	start = time.Now()
	places := makePlaces(rng, n.Places, m.Cluster.IDs, now)
	for i := 0; i < len(places); i += seedBatch {
		if err := m.Store.BulkInsertPlaces(ctx, places[i:min(i+seedBatch, len(places))]); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "  %d places in %s\n", len(places), time.Since(start).Round(time.Second))
	// A bulk load leaves the text indexes in many pieces; merging them is
	// what the scheduler's maintenance would do over time.
	start = time.Now()
	if err := m.Store.CompactIndex(ctx, 0); err != nil {
		return err
	}
	fmt.Fprintf(out, "  text indexes merged in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// seededAccount is what the benchmark needs to know of an account.
type seededAccount struct {
	Username, DisplayName string
}

// followers draws a follower count with a long tail: most accounts have
// a few hundred, some thousands, a handful millions.
func followers(rng *rand.Rand) int64 {
	return int64(math.Min(5e6, math.Floor(math.Exp(rng.NormFloat64()*1.6+4))))
}

// makeAccounts makes n distinct usernames in the patterns people pick,
// with display names (some accented, some empty).
func makeAccounts(rng *rand.Rand, n int) []seededAccount {
	seen := make(map[string]bool, n)
	out := make([]seededAccount, 0, n)
	for len(out) < n {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		var u string
		switch rng.IntN(10) {
		case 0:
			u = first + last
		case 1:
			u = first + "." + last
		case 2:
			u = first + "_" + last
		case 3:
			u = first + last + fmt.Sprint(rng.IntN(100))
		case 4:
			u = first + fmt.Sprint(rng.IntN(10000))
		case 5:
			u = first[:1] + last + fmt.Sprint(rng.IntN(1000))
		case 6:
			u = first + "_" + words[rng.IntN(len(words))]
		case 7:
			u = words[rng.IntN(len(words))] + "." + first
		case 8:
			u = first + last[:min(3, len(last))] + fmt.Sprint(rng.IntN(100000))
		default:
			u = "the" + first + fmt.Sprint(rng.IntN(1000))
		}
		u = strings.ReplaceAll(u, "_style", "style")
		if len(u) > pinhole.MaxUsernameLen || seen[u] || pinhole.ValidateUsername(u) != nil {
			continue
		}
		seen[u] = true
		display := ""
		switch r := rng.IntN(20); {
		case r < 14:
			display = title(first) + " " + title(last)
		case r < 16:
			display = title(first)
		case r < 17:
			display = title(first) + " " + title(last) + " 📷"
		}
		out = append(out, seededAccount{Username: u, DisplayName: display})
	}
	return out
}

// title capitalizes a name, with its accents when it has some.
func title(s string) string {
	if a, ok := accented[s]; ok {
		return a
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// makeTags makes n distinct hashtags, a few used a lot and most a little
// (Zipf), some with letters beyond ASCII.
func makeTags(rng *rand.Rand, n int, now time.Time) []*pinhole.Tag {
	seen := make(map[string]bool, n)
	out := make([]*pinhole.Tag, 0, n)
	add := func(name string) {
		name, err := pinhole.NormalizeTag(name)
		if err != nil || seen[name] || len(out) == n {
			return
		}
		seen[name] = true
		rank := float64(len(out) + 1)
		out = append(out, &pinhole.Tag{Name: name, Uses: int64(math.Max(1, 2e6/math.Pow(rank, 1.1))),
			LastUsedAt: now.Add(-time.Duration(rng.IntN(30*24*60)) * time.Minute)})
	}
	for _, w := range words {
		add(w)
	}
	for _, w := range unicodeTags {
		add(w)
	}
	for len(out) < n {
		a, b := words[rng.IntN(len(words))], words[rng.IntN(len(words))]
		switch rng.IntN(5) {
		case 0:
			add(a + b)
		case 1:
			add(a + "_" + b)
		case 2:
			add(a + fmt.Sprint(2000+rng.IntN(27)))
		case 3:
			add(a + b + fmt.Sprint(rng.IntN(1000)))
		default:
			add(lastNames[rng.IntN(len(lastNames))] + a)
		}
	}
	return out
}

// makePlaces makes n places: most within a few kilometres of a city
// centre, some spread around it, a few anywhere.
func makePlaces(rng *rand.Rand, n int, ids *pinhole.IDGenerator, now time.Time) []*pinhole.Place {
	out := make([]*pinhole.Place, 0, n)
	for len(out) < n {
		var lat, lon float64
		if rng.IntN(50) == 0 {
			lat, lon = rng.Float64()*160-80, rng.Float64()*360-180
		} else {
			c := cityCentres[rng.IntN(len(cityCentres))]
			spread := 0.03 // degrees: a few kilometres
			if rng.IntN(10) < 3 {
				spread = 0.3
			}
			lat = math.Max(-89.9, math.Min(89.9, c[0]+rng.NormFloat64()*spread))
			lon = c[1] + rng.NormFloat64()*spread/math.Cos(c[0]*math.Pi/180)
			lon = math.Mod(lon+540, 360) - 180
		}
		name := placeAdjectives[rng.IntN(len(placeAdjectives))] + " " + placeNouns[rng.IntN(len(placeNouns))]
		if rng.IntN(3) == 0 {
			name = title(lastNames[rng.IntN(len(lastNames))]) + " " + placeNouns[rng.IntN(len(placeNouns))]
		}
		out = append(out, &pinhole.Place{
			ID: ids.Next(0), Name: name, Lat: lat, Lon: lon, Geohash: search.Geohash(lat, lon, search.GeohashPrecision),
			CreatedAt: now.Add(-time.Duration(rng.IntN(365*24)) * time.Hour), PostsCount: int64(rng.IntN(200)),
		})
	}
	return out
}
