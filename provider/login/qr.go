package login

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// quietZone is the white border around the symbol, in modules. ISO/IEC
// 18004 asks for 4; scanners fail on dark page backgrounds without it.
const quietZone = 4

// qrSVG renders content as a QR code in inline SVG: one path of
// horizontal runs of dark modules on a white square that includes the
// quiet zone. The symbol scales with its container (viewBox, no fixed
// size) and is announced to screen readers by label.
func qrSVG(content, label string) (template.HTML, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("login: QR code: %w", err)
	}
	q.DisableBorder = true // the quiet zone is drawn here, explicitly
	bm := q.Bitmap()
	size := len(bm) + 2*quietZone
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges">`,
		size, size, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/><path fill="#000000" d="`, size, size)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+quietZone, y+quietZone, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	// Safe: the only text inside is the escaped label; the rest is numbers.
	return template.HTML(b.String()), nil
}
