package login

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
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
//
// Bridge links fit qrEncode (one fixed mask); anything longer goes
// through go-qrcode, which scores all eight masks.
func qrSVG(content, label string) (template.HTML, error) {
	m, ok := qrEncode(content)
	if !ok {
		q, err := qrcode.New(content, qrcode.Medium)
		if err != nil {
			return "", fmt.Errorf("login: QR code: %w", err)
		}
		q.DisableBorder = true // the quiet zone is drawn here, explicitly
		m = matrixOf(q.Bitmap())
	}
	size := m.size
	full := qrNum(size + 2*quietZone)
	esc := html.EscapeString(label)
	var b strings.Builder
	// About 40 % of the modules are dark, in runs of two on average; a run
	// is at most 20 bytes, about 14 here.
	b.Grow(256 + len(esc) + size*size*4)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `)
	b.WriteString(full)
	b.WriteByte(' ')
	b.WriteString(full)
	b.WriteString(`" role="img" aria-label="`)
	b.WriteString(esc)
	b.WriteString(`" shape-rendering="crispEdges"><rect width="`)
	b.WriteString(full)
	b.WriteString(`" height="`)
	b.WriteString(full)
	b.WriteString(`" fill="#ffffff"/><path fill="#000000" d="`)
	for y := range size {
		row, ys := m.cells[y*size:(y+1)*size], qrNum(y+quietZone)
		for x := 0; x < size; {
			if row[x]&qrDark == 0 {
				x++
				continue
			}
			start := x
			for x < size && row[x]&qrDark != 0 {
				x++
			}
			w := qrNum(x - start)
			b.WriteByte('M')
			b.WriteString(qrNum(start + quietZone))
			b.WriteByte(' ')
			b.WriteString(ys)
			b.WriteByte('h')
			b.WriteString(w)
			b.WriteString("v1h-")
			b.WriteString(w)
			b.WriteByte('z')
		}
	}
	b.WriteString(`"/></svg>`)
	// Safe: the only text inside is the escaped label; the rest is numbers.
	return template.HTML(b.String()), nil
}

// matrixOf is a qrMatrix of go-qrcode's bitmap (rows of columns).
func matrixOf(bm [][]bool) *qrMatrix {
	m := &qrMatrix{size: len(bm), cells: make([]byte, len(bm)*len(bm))}
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				m.cells[y*m.size+x] = qrDark
			}
		}
	}
	return m
}

// qrNums are the decimal forms of the coordinates and run lengths of a
// symbol up to version 40 with its quiet zone (177 + 8 modules).
var qrNums = func() (t [185 + 1]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

// qrNum is n in decimal.
func qrNum(n int) string {
	if n < len(qrNums) {
		return qrNums[n]
	}
	return strconv.Itoa(n)
}
