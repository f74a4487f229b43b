package flagserver

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
	"strings"
)

// The size of every generated flag, in pixels: small, 3:2.
const (
	flagW = 60
	flagH = 40
)

// design draws one flag: a palette of the country's colours and, for each
// pixel, the index of its colour in that palette.
type design struct {
	palette []uint32 // 0xRRGGBB
	paint   func(x, y int) uint8
}

// hband is the index of the horizontal band (0..n-1) that row y lies in.
func hband(y, n int) uint8 { return uint8(y * n / flagH) }

// vband is the index of the vertical band (0..n-1) that column x lies in.
func vband(x, n int) uint8 { return uint8(x * n / flagW) }

// in reports whether the centre of pixel (x, y) lies within r pixels of (cx, cy).
func in(x, y int, cx, cy, r float64) bool {
	dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
	return dx*dx+dy*dy <= r*r
}

// crescent is a disc with a smaller disc cut out of it, shifted right.
func crescent(x, y int, cx, cy, r, shift float64) bool {
	return in(x, y, cx, cy, r) && !in(x, y, cx+shift, cy, r*0.8)
}

// designOf returns the drawing of a known upper-case code. A switch rather
// than a package-level map, so the package holds no mutable state.
func designOf(code string) (design, bool) {
	switch code {
	// Red, with a yellow star (a block and four small ones) at the hoist.
	case "CN":
		return design{[]uint32{0xDE2910, 0xFFDE00}, func(x, y int) uint8 {
			if (x >= 5 && x < 14 && y >= 5 && y < 14) ||
				in(x, y, 19, 4, 1.5) || in(x, y, 22, 8, 1.5) || in(x, y, 22, 13, 1.5) || in(x, y, 19, 17, 1.5) {
				return 1
			}
			return 0
		}}, true
	// Saffron, white, green, with a navy wheel in the middle.
	case "IN":
		return design{[]uint32{0xFF9933, 0xFFFFFF, 0x138808, 0x000080}, func(x, y int) uint8 {
			if in(x, y, 30, 20, 5.5) && !in(x, y, 30, 20, 4) || in(x, y, 30, 20, 1.2) {
				return 3
			}
			return hband(y, 3)
		}}, true
	// Thirteen red and white stripes, a blue canton with white dots.
	case "US":
		return design{[]uint32{0xB22234, 0xFFFFFF, 0x3C3B6E}, func(x, y int) uint8 {
			if x < 24 && y < 21 {
				if x%4 == 2 && y%4 == 2 {
					return 1
				}
				return 2
			}
			return hband(y, 13) % 2
		}}, true
	// Red over white.
	case "ID":
		return design{[]uint32{0xCE1126, 0xFFFFFF}, func(x, y int) uint8 { return hband(y, 2) }}, true
	// Green, a yellow diamond, a blue disc.
	case "BR":
		return design{[]uint32{0x009C3B, 0xFFDF00, 0x002776}, func(x, y int) uint8 {
			switch {
			case in(x, y, 30, 20, 8.5):
				return 2
			case math.Abs(float64(x)+0.5-30)/26+math.Abs(float64(y)+0.5-20)/16 <= 1:
				return 1
			}
			return 0
		}}, true
	// A white band at the hoist, dark green with a white crescent and star.
	case "PK":
		return design{[]uint32{0x01411C, 0xFFFFFF}, func(x, y int) uint8 {
			if x < 15 || crescent(x, y, 37, 21, 10, 4) || in(x, y, 44, 15, 2) {
				return 1
			}
			return 0
		}}, true
	// Green, white, green, upright.
	case "NG":
		return design{[]uint32{0x008751, 0xFFFFFF}, func(x, y int) uint8 { return vband(x, 3) % 2 }}, true
	// Bottle green with a red disc a little towards the hoist.
	case "BD":
		return design{[]uint32{0x006A4E, 0xF42A41}, func(x, y int) uint8 {
			if in(x, y, 27, 20, 12) {
				return 1
			}
			return 0
		}}, true
	// White, blue, red.
	case "RU":
		return design{[]uint32{0xFFFFFF, 0x0039A6, 0xD52B1E}, func(x, y int) uint8 { return hband(y, 3) }}, true
	// White with a red disc.
	case "JP":
		return design{[]uint32{0xFFFFFF, 0xBC002D}, func(x, y int) uint8 {
			if in(x, y, 30, 20, 12) {
				return 1
			}
			return 0
		}}, true
	// Green, white, red, upright, a brown emblem in the middle.
	case "MX":
		return design{[]uint32{0x006847, 0xFFFFFF, 0xCE1126, 0x8C5A2B}, func(x, y int) uint8 {
			if in(x, y, 30, 20, 5) {
				return 3
			}
			return vband(x, 3)
		}}, true
	// Blue over red, a white triangle at the hoist with a golden sun.
	case "PH":
		return design{[]uint32{0x0038A8, 0xCE1126, 0xFFFFFF, 0xFCD116}, func(x, y int) uint8 {
			if float64(x)+0.5 <= 34.6*(1-math.Abs(float64(y)+0.5-20)/20) {
				if in(x, y, 12, 20, 4) {
					return 3
				}
				return 2
			}
			return hband(y, 2)
		}}, true
	// Red with a yellow star in the middle.
	case "VN":
		return design{[]uint32{0xDA251D, 0xFFFF00}, func(x, y int) uint8 {
			cx, cy := float64(x)+0.5-30, float64(y)+0.5-20
			// Five points: a disc whose radius swells five times around the centre.
			r := 5 + 5*math.Pow(math.Abs(math.Cos(2.5*math.Atan2(cx, -cy))), 6)
			if cx*cx+cy*cy <= r*r {
				return 1
			}
			return 0
		}}, true
	// Green, yellow, red, with a blue disc in the middle.
	case "ET":
		return design{[]uint32{0x078930, 0xFCDD09, 0xDA121A, 0x0F47AF}, func(x, y int) uint8 {
			if in(x, y, 30, 20, 9) {
				return 3
			}
			return hband(y, 3)
		}}, true
	// Red, white, black, a gold eagle (a block) in the middle.
	case "EG":
		return design{[]uint32{0xCE1126, 0xFFFFFF, 0x000000, 0xC09300}, func(x, y int) uint8 {
			if x >= 27 && x < 33 && y >= 15 && y < 25 {
				return 3
			}
			return hband(y, 3)
		}}, true
	// Black, red, gold.
	case "DE":
		return design{[]uint32{0x000000, 0xDD0000, 0xFFCE00}, func(x, y int) uint8 { return hband(y, 3) }}, true
	// Green, white, red, a red emblem in the middle.
	case "IR":
		return design{[]uint32{0x239F40, 0xFFFFFF, 0xDA0000}, func(x, y int) uint8 {
			if in(x, y, 30, 20, 4) && !in(x, y, 30, 20, 2.5) {
				return 2
			}
			return hband(y, 3)
		}}, true
	// Red with a white crescent and star.
	case "TR":
		return design{[]uint32{0xE30A17, 0xFFFFFF}, func(x, y int) uint8 {
			if crescent(x, y, 23, 20, 10, 3) || in(x, y, 35, 20, 3) {
				return 1
			}
			return 0
		}}, true
	// Sky blue, a red diagonal edged in yellow, a yellow star at the top.
	case "CD":
		return design{[]uint32{0x007FFF, 0xCE1021, 0xF7D618}, func(x, y int) uint8 {
			d := math.Abs((float64(x)+0.5)/flagW + (float64(y)+0.5)/flagH - 1)
			switch {
			case d < 0.12:
				return 1
			case d < 0.18 || in(x, y, 9, 8, 4):
				return 2
			}
			return 0
		}}, true
	// Blue, white, red, upright.
	case "FR":
		return design{[]uint32{0x0055A4, 0xFFFFFF, 0xEF4135}, func(x, y int) uint8 { return vband(x, 3) }}, true
	}
	return design{}, false
}

// render draws and encodes the flag of every country of the table, keyed by
// upper-case code. New calls it once, so a Server never renders per request.
func render() (map[string][]byte, error) {
	table := countryTable()
	m := make(map[string][]byte, len(table))
	for _, c := range table {
		d, ok := designOf(c.Code)
		if !ok {
			return nil, fmt.Errorf("no flag design for %s", c.Code)
		}
		m[c.Code] = encode(d)
	}
	return m, nil
}

// encode draws d and encodes it as a GIF.
func encode(d design) []byte {
	pal := make(color.Palette, len(d.palette))
	for i, c := range d.palette {
		pal[i] = color.RGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xFF}
	}
	img := image.NewPaletted(image.Rect(0, 0, flagW, flagH), pal)
	for y := range flagH {
		for x := range flagW {
			img.SetColorIndex(x, y, d.paint(x, y))
		}
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, &gif.Options{NumColors: len(pal)}); err != nil {
		panic("flagserver: encoding a flag: " + err.Error()) // cannot fail for an in-memory image
	}
	return buf.Bytes()
}

// flagImage returns the generated image of a known code (upper or lower case): a
// 60×40 GIF in the country's flag colours, the same bytes a Server sends. It
// renders on each call, so the caller owns the slice.
func flagImage(code string) ([]byte, bool) {
	d, ok := designOf(strings.ToUpper(code))
	if !ok {
		return nil, false
	}
	return encode(d), true
}
