package search

import (
	"math"
)

// Geohash cells: a string of base-32 digits naming a cell of the
// latitude/longitude grid, each digit refining the last. Places share a
// prefix when they share a cell, so the places in a cell are one index
// range on the stored geohash, never a scan of every place.

const geohashAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// GeohashPrecision is the length of the geohash stored with each place
// (cells of a few centimetres).
const GeohashPrecision = 12

const (
	earthRadiusKM = 6371.0088
	kmPerDegree   = math.Pi * earthRadiusKM / 180
)

// Geohash returns the cell of the given precision (1–12) holding a point.
func Geohash(lat, lon float64, precision int) string {
	precision = min(max(precision, 1), GeohashPrecision)
	latLo, latHi, lonLo, lonHi := -90.0, 90.0, -180.0, 180.0
	out := make([]byte, 0, precision)
	even, bit, ch := true, 0, 0
	for len(out) < precision {
		if even {
			mid := (lonLo + lonHi) / 2
			if lon >= mid {
				ch, lonLo = ch<<1|1, mid
			} else {
				ch, lonHi = ch<<1, mid
			}
		} else {
			mid := (latLo + latHi) / 2
			if lat >= mid {
				ch, latLo = ch<<1|1, mid
			} else {
				ch, latHi = ch<<1, mid
			}
		}
		even = !even
		if bit++; bit == 5 {
			out = append(out, geohashAlphabet[ch])
			bit, ch = 0, 0
		}
	}
	return string(out)
}

// cellSize returns the height and width in degrees of a cell of a
// precision: bits alternate, longitude first.
func cellSize(precision int) (latDeg, lonDeg float64) {
	bits := 5 * precision
	lonBits := (bits + 1) / 2
	latBits := bits / 2
	return 180 / math.Ldexp(1, latBits), 360 / math.Ldexp(1, lonBits)
}

// maxCoverCells bounds how many cells (index ranges) one circle is read
// through: enough that a circle near a pole, which spans every longitude,
// is still covered by cells of its own size rather than by a few cells
// the size of a continent.
const maxCoverCells = 64

// coveringCells returns cells that together contain every point within
// radiusKM of (lat, lon): those of the finest precision whose grid covers
// the circle's bounding box in at most maxCoverCells cells.
func coveringCells(lat, lon, radiusKM float64) []string {
	dLat := radiusKM / kmPerDegree
	minLat, maxLat := math.Max(lat-dLat, -90), math.Min(lat+dLat, 90)
	// The box is widest at its latitude farthest from the equator; near a
	// pole it spans every longitude.
	wideLat := math.Max(math.Abs(minLat), math.Abs(maxLat))
	allLon := wideLat >= 89.999
	dLon := 180.0
	if !allLon {
		dLon = dLat / math.Cos(wideLat*math.Pi/180)
		allLon = dLon >= 180
	}
	for p := GeohashPrecision; p >= 1; p-- {
		cLat, cLon := cellSize(p)
		latLo, latHi := int(math.Floor((minLat+90)/cLat)), int(math.Floor((maxLat+90)/cLat))
		latCells := int(math.Round(180 / cLat))
		latHi = min(latHi, latCells-1)
		lonCells := int(math.Round(360 / cLon))
		lonLo, lonHi := 0, lonCells-1
		if !allLon {
			lonLo, lonHi = int(math.Floor((lon-dLon+180)/cLon)), int(math.Floor((lon+dLon+180)/cLon))
			if lonHi-lonLo+1 >= lonCells {
				lonLo, lonHi = 0, lonCells-1
			}
		}
		n := (latHi - latLo + 1) * (lonHi - lonLo + 1)
		if n > maxCoverCells && p > 1 {
			continue
		}
		seen := make(map[string]bool, n)
		out := make([]string, 0, n)
		for i := latLo; i <= latHi; i++ {
			for j := lonLo; j <= lonHi; j++ {
				jj := ((j % lonCells) + lonCells) % lonCells // wrap across the antimeridian
				c := Geohash(-90+(float64(i)+0.5)*cLat, -180+(float64(jj)+0.5)*cLon, p)
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
				}
			}
		}
		return out
	}
	return nil // not reached: precision 1 always returns
}

// DistanceKM is the great-circle (haversine) distance between two points.
func DistanceKM(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKM * math.Asin(math.Min(1, math.Sqrt(a)))
}
