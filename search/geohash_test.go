package search

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestGeohashOfKnownPoints(t *testing.T) {
	cases := []struct {
		lat, lon  float64
		precision int
		want      string
	}{
		{57.64911, 10.40744, 11, "u4pruydqqvj"}, // the example of the geohash article
		{48.8566, 2.3522, 5, "u09tv"},           // Paris
		{-33.8688, 151.2093, 4, "r3gx"},         // Sydney
		{0, 0, 1, "s"},
		{-90, -180, 3, "000"},
		{90, 180, 3, "zzz"},
	}
	for _, c := range cases {
		if got := Geohash(c.lat, c.lon, c.precision); got != c.want {
			t.Errorf("Geohash(%v, %v, %d): got %q, want %q", c.lat, c.lon, c.precision, got, c.want)
		}
	}
}

func TestDistanceKM(t *testing.T) {
	cases := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want, tolerance        float64
	}{
		{"ParisToLondon", 48.8566, 2.3522, 51.5074, -0.1278, 343.5, 1},
		{"SamePoint", 10, 10, 10, 10, 0, 1e-9},
		{"AcrossTheAntimeridian", 0, 179.5, 0, -179.5, 111.2, 0.2},
		{"PoleToPole", 90, 0, -90, 0, 20015.1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DistanceKM(c.lat1, c.lon1, c.lat2, c.lon2); math.Abs(got-c.want) > c.tolerance {
				t.Errorf("got %.3f km, want %.3f ± %g", got, c.want, c.tolerance)
			}
		})
	}
}

// pointAt returns the point d km from (lat, lon) on a bearing.
func pointAt(lat, lon, d, bearing float64) (float64, float64) {
	rad := math.Pi / 180
	δ := d / earthRadiusKM
	φ1, λ1, θ := lat*rad, lon*rad, bearing*rad
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	lon2 := math.Mod(λ2/rad+540, 360) - 180
	return φ2 / rad, lon2
}

func TestCoveringCellsHoldEveryPointOfTheCircle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	centres := [][2]float64{{48.8566, 2.3522}, {0, 179.99}, {0, -179.99}, {89.9, 10}, {-89.95, -70}, {-33.87, 151.21}, {64.1, -21.9}}
	for i := 0; i < 40; i++ {
		centres = append(centres, [2]float64{rng.Float64()*180 - 90, rng.Float64()*360 - 180})
	}
	for _, c := range centres {
		for _, r := range []float64{0.05, 0.5, 3, 20, 150, 500} {
			cells := coveringCells(c[0], c[1], r)
			if len(cells) == 0 || len(cells) > maxCoverCells && len(cells[0]) > 1 {
				t.Fatalf("centre %v radius %g: %d cells of precision %d", c, r, len(cells), len(cells[0]))
			}
			for k := 0; k < 200; k++ {
				lat, lon := pointAt(c[0], c[1], r*math.Sqrt(rng.Float64())*0.999, rng.Float64()*360)
				h := Geohash(lat, lon, GeohashPrecision)
				found := false
				for _, cell := range cells {
					found = found || strings.HasPrefix(h, cell)
				}
				if !found {
					t.Fatalf("centre %v radius %g: point (%v, %v) at %.3f km, geohash %s, is in none of %v", c, r, lat, lon, DistanceKM(c[0], c[1], lat, lon), h, cells)
				}
			}
		}
	}
}

func TestCoveringCellsAreSmallForSmallCircles(t *testing.T) {
	cases := []struct {
		radiusKM     float64
		minPrecision int
	}{{0.1, 6}, {1, 5}, {5, 4}, {50, 3}}
	for _, c := range cases {
		cells := coveringCells(48.8566, 2.3522, c.radiusKM)
		if p := len(cells[0]); p < c.minPrecision {
			t.Errorf("radius %g km: cells of precision %d (%v), want at least %d", c.radiusKM, p, cells, c.minPrecision)
		}
	}
}
