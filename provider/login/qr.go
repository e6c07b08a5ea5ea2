package login

import (
	"fmt"
	"html"
	"html/template"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// quietZone is the white border around the symbol, in modules. ISO/IEC
// 18004 asks for 4; scanners fail on dark page backgrounds without it.
const quietZone = 4

// qrSVG renders content as a QR code in inline SVG: one path of
// horizontal runs of dark modules on a white square that includes the
// quiet zone. The symbol scales with its container (viewBox, no fixed
// size) and is announced to screen readers by label.
//
// Bridge links fit qrEncode (one fixed mask); anything longer goes
// through go-qrcode, which scores all eight masks.
func qrSVG(content, label string) (template.HTML, error) {
	var size int
	var dark func(x, y int) bool
	if m, ok := qrEncode(content); ok {
		size, dark = m.size, m.dark
	} else {
		q, err := qrcode.New(content, qrcode.Medium)
		if err != nil {
			return "", fmt.Errorf("login: QR code: %w", err)
		}
		q.DisableBorder = true // the quiet zone is drawn here, explicitly
		bm := q.Bitmap()
		size, dark = len(bm), func(x, y int) bool { return bm[y][x] }
	}
	full := strconv.Itoa(size + 2*quietZone)
	esc := html.EscapeString(label)
	// About 40 % of the modules are dark, in runs of two on average; a run
	// is at most 20 bytes.
	b := make([]byte, 0, 256+len(esc)+size*size*4)
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `...)
	b = append(b, full...)
	b = append(b, ' ')
	b = append(b, full...)
	b = append(b, `" role="img" aria-label="`...)
	b = append(b, esc...)
	b = append(b, `" shape-rendering="crispEdges"><rect width="`...)
	b = append(b, full...)
	b = append(b, `" height="`...)
	b = append(b, full...)
	b = append(b, `" fill="#ffffff"/><path fill="#000000" d="`...)
	for y := range size {
		for x := 0; x < size; {
			if !dark(x, y) {
				x++
				continue
			}
			start := x
			for x < size && dark(x, y) {
				x++
			}
			w := int64(x - start)
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(start+quietZone), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(y+quietZone), 10)
			b = append(b, 'h')
			b = strconv.AppendInt(b, w, 10)
			b = append(b, "v1h-"...)
			b = strconv.AppendInt(b, w, 10)
			b = append(b, 'z')
		}
	}
	b = append(b, `"/></svg>`...)
	// Safe: the only text inside is the escaped label; the rest is numbers.
	return template.HTML(b), nil
}
