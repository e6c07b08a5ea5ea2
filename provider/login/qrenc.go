package login

// A small QR code encoder for the bridge links on the login page: byte
// mode, error correction level M, versions 1 to 10 (up to 213 bytes), and
// one fixed mask pattern. ISO/IEC 18004:2015 §7.8.2 lets the encoder pick
// any of the eight masks; the penalty scoring of §7.8.3 only picks the one
// that looks least like a finder pattern, and on the random base64url of a
// link the eight differ little. go-qrcode builds and scores all eight for
// every page view, which was most of the page's CPU; this builds one.
// Longer content falls back to go-qrcode (qrSVG).
//
// Section numbers are those of ISO/IEC 18004:2015.

// qrMask is the fixed data mask (§7.8.2, Table 10): (i + j) mod 3 = 0.
const qrMask = 3

// qrMaxVersion is the largest version qrEncode builds.
const qrMaxVersion = 10

// qrBlocks is Table 9 for level M: per version, the error correction
// codewords per block and the groups of (blocks, data codewords per block).
var qrBlocks = [qrMaxVersion + 1]struct {
	ec     int
	groups [2][2]int
}{
	1:  {10, [2][2]int{{1, 16}}},
	2:  {16, [2][2]int{{1, 28}}},
	3:  {26, [2][2]int{{1, 44}}},
	4:  {18, [2][2]int{{2, 32}}},
	5:  {24, [2][2]int{{2, 43}}},
	6:  {16, [2][2]int{{4, 27}}},
	7:  {18, [2][2]int{{4, 31}}},
	8:  {22, [2][2]int{{2, 38}, {2, 39}}},
	9:  {22, [2][2]int{{3, 36}, {2, 37}}},
	10: {26, [2][2]int{{4, 43}, {1, 44}}},
}

// qrAlign is Annex E: the alignment pattern centres per version.
var qrAlign = [qrMaxVersion + 1][]int{
	2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50},
}

// qrDataCodewords is the data capacity of version v at level M.
func qrDataCodewords(v int) int {
	n := 0
	for _, g := range qrBlocks[v].groups {
		n += g[0] * g[1]
	}
	return n
}

// Module flags in a qrMatrix cell.
const (
	qrDark     = 1 // the module is dark
	qrFunction = 2 // a function pattern or format/version area: no data
)

// qrMatrix is a symbol without quiet zone, row-major.
type qrMatrix struct {
	size  int
	cells []byte
}

func (m *qrMatrix) set(x, y int, dark bool) {
	c := byte(qrFunction)
	if dark {
		c |= qrDark
	}
	m.cells[y*m.size+x] = c
}

// dark reports whether the module in column x, row y is dark.
func (m *qrMatrix) dark(x, y int) bool { return m.cells[y*m.size+x]&qrDark != 0 }

// qrEncode encodes content in byte mode at level M with mask qrMask, or
// returns ok false when it needs a version above qrMaxVersion.
func qrEncode(content string) (m *qrMatrix, ok bool) {
	return qrEncodeMask(content, qrMask)
}

func qrEncodeMask(content string, mask int) (*qrMatrix, bool) {
	// §7.4.5 byte mode: mode indicator 0100, then the character count in
	// 8 bits (versions 1-9) or 16 (10-26), then the bytes.
	n := len(content)
	v := 0
	for try := 1; try <= qrMaxVersion; try++ {
		countBits := 8
		if try >= 10 {
			countBits = 16
		}
		if n < 1<<countBits && 4+countBits+8*n <= 8*qrDataCodewords(try) {
			v = try
			break
		}
	}
	if v == 0 {
		return nil, false
	}
	capacity := qrDataCodewords(v)
	data := make([]byte, 0, capacity)
	var acc uint32
	var accBits int
	put := func(val uint32, bits int) {
		acc = acc<<bits | val
		accBits += bits
		for accBits >= 8 {
			accBits -= 8
			data = append(data, byte(acc>>accBits))
		}
	}
	put(0b0100, 4)
	if v >= 10 {
		put(uint32(n), 16)
	} else {
		put(uint32(n), 8)
	}
	for i := 0; i < n; i++ {
		put(uint32(content[i]), 8)
	}
	// §7.4.9: terminator (up to four zero bits), zero bits to the byte
	// boundary, then the pad codewords 11101100 and 00010001 in turn.
	if len(data) < capacity {
		put(0, 4) // the terminator, which also completes the last byte
		if accBits > 0 {
			put(0, 8-accBits)
		}
	}
	for pad := byte(0xec); len(data) < capacity; pad ^= 0xec ^ 0x11 {
		data = append(data, pad)
	}

	codewords := qrInterleave(v, data)
	size := 17 + 4*v
	m := &qrMatrix{size: size, cells: make([]byte, size*size)}
	m.functionPatterns(v, mask)
	m.placeData(codewords, mask)
	return m, true
}

// qrInterleave splits data into the blocks of version v, appends each
// block's Reed-Solomon codewords and interleaves them (§7.6).
func qrInterleave(v int, data []byte) []byte {
	b := qrBlocks[v]
	var blocks [][]byte
	for _, g := range b.groups {
		for range g[0] {
			blocks = append(blocks, data[:g[1]])
			data = data[g[1]:]
		}
	}
	out := make([]byte, 0, qrDataCodewords(v)+len(blocks)*b.ec)
	maxLen := len(blocks[len(blocks)-1])
	for i := range maxLen {
		for _, blk := range blocks {
			if i < len(blk) {
				out = append(out, blk[i])
			}
		}
	}
	ecs := make([][]byte, len(blocks))
	for i, blk := range blocks {
		ecs[i] = rsRemainder(blk, b.ec)
	}
	for i := range b.ec {
		for _, ec := range ecs {
			out = append(out, ec[i])
		}
	}
	return out
}

// functionPatterns draws the finder, separator, timing and alignment
// patterns, the format information for mask and, from version 7, the
// version information (§6.3, §7.9, §7.10).
func (m *qrMatrix) functionPatterns(v, mask int) {
	size := m.size
	for _, c := range [3][2]int{{0, 0}, {size - 7, 0}, {0, size - 7}} {
		for dy := -1; dy <= 7; dy++ {
			for dx := -1; dx <= 7; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || y < 0 || x >= size || y >= size {
					continue
				}
				// Ring of 7, ring of 5 light, 3x3 dark core; -1 and 7 are
				// the light separator.
				in := func(lo, hi int) bool { return dx >= lo && dx <= hi && dy >= lo && dy <= hi }
				dark := in(0, 6) && !(in(1, 5) && !in(2, 4))
				m.set(x, y, dark)
			}
		}
	}
	centres := qrAlign[v]
	for _, cy := range centres {
		for _, cx := range centres {
			if m.cells[cy*size+cx]&qrFunction != 0 {
				continue // on a finder pattern
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					d := max(abs(dx), abs(dy))
					m.set(cx+dx, cy+dy, d != 1)
				}
			}
		}
	}
	// Timing after alignment: an alignment pattern on row or column 6
	// is not a finder pattern, and the two agree where they cross.
	for i := 8; i < size-8; i++ {
		m.set(i, 6, i%2 == 0)
		m.set(6, i, i%2 == 0)
	}
	// Format information (§7.9.1): level M is 00, then the mask; BCH(15,5)
	// with generator 10100110111, XOR 101010000010010. Bit 0 is the least
	// significant.
	f := qrFormatBits(mask)
	bit := func(i int) bool { return f>>i&1 != 0 }
	for i := 0; i <= 7; i++ {
		m.set(size-1-i, 8, bit(i))
	}
	for i := 0; i <= 5; i++ {
		m.set(8, i, bit(i))
	}
	m.set(8, 7, bit(6))
	m.set(8, 8, bit(7))
	m.set(7, 8, bit(8))
	for i := 9; i <= 14; i++ {
		m.set(14-i, 8, bit(i))
	}
	for i := 8; i <= 14; i++ {
		m.set(8, size-15+i, bit(i))
	}
	m.set(8, size-8, true) // the dark module
	if v >= 7 {
		// Version information (§7.10): BCH(18,6), generator 1111100100101.
		vi := qrVersionBits(v)
		for i := range 18 {
			d := vi>>i&1 != 0
			m.set(i/3, size-11+i%3, d)
			m.set(size-11+i%3, i/3, d)
		}
	}
}

// placeData writes the codewords, most significant bit first, in the
// two-column zigzag of §7.7.3 and applies the mask (§7.8.2) to every data
// module, the remainder bits included.
func (m *qrMatrix) placeData(codewords []byte, mask int) {
	size := m.size
	bit := 0
	total := 8 * len(codewords)
	upward := true
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5 // the vertical timing pattern
		}
		for k := range size {
			y := k
			if upward {
				y = size - 1 - k
			}
			for dx := 0; dx < 2; dx++ {
				x := right - dx
				i := y*size + x
				if m.cells[i]&qrFunction != 0 {
					continue
				}
				dark := false
				if bit < total {
					dark = codewords[bit>>3]>>(7-bit&7)&1 != 0
				}
				bit++
				if qrMasked(mask, y, x) {
					dark = !dark
				}
				if dark {
					m.cells[i] = qrDark
				}
			}
		}
		upward = !upward
	}
}

// qrMasked is Table 10: whether mask inverts the module in row i, column j.
func qrMasked(mask, i, j int) bool {
	switch mask {
	case 0:
		return (i+j)%2 == 0
	case 1:
		return i%2 == 0
	case 2:
		return j%3 == 0
	case 3:
		return (i+j)%3 == 0
	case 4:
		return (i/2+j/3)%2 == 0
	case 5:
		return i*j%2+i*j%3 == 0
	case 6:
		return (i*j%2+i*j%3)%2 == 0
	default:
		return ((i+j)%2+i*j%3)%2 == 0
	}
}

func qrFormatBits(mask int) uint32 {
	data := uint32(0b00<<3 | mask) // level M
	return (data<<10 | bchRemainder(data<<10, 0b10100110111, 10)) ^ 0b101010000010010
}

func qrVersionBits(v int) uint32 {
	return uint32(v)<<12 | bchRemainder(uint32(v)<<12, 0b1111100100101, 12)
}

// bchRemainder is val modulo the generator poly of degree deg, over GF(2).
func bchRemainder(val, poly uint32, deg int) uint32 {
	for i := 31; i >= deg; i-- {
		if val>>i&1 != 0 {
			val ^= poly << (i - deg)
		}
	}
	return val
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Reed-Solomon over GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1
// (§7.5.2, Annex A).

var gfExp, gfLog = func() (exp [512]byte, log [256]byte) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// rsGenerators are the generator polynomials by degree, highest
// coefficient first (without the leading 1), for the degrees in qrBlocks.
var rsGenerators = func() map[int][]byte {
	gens := map[int][]byte{}
	for _, b := range qrBlocks {
		if b.ec == 0 || gens[b.ec] != nil {
			continue
		}
		// Product of (x - α^i) for i in [0, ec).
		g := []byte{1}
		for i := range b.ec {
			next := make([]byte, len(g)+1)
			for j, c := range g {
				next[j] ^= c
				next[j+1] ^= gfMul(c, gfExp[i])
			}
			g = next
		}
		gens[b.ec] = g[1:]
	}
	return gens
}()

// rsRemainder returns the ec error correction codewords of data.
func rsRemainder(data []byte, ec int) []byte {
	gen := rsGenerators[ec]
	rem := make([]byte, ec)
	for _, d := range data {
		factor := d ^ rem[0]
		copy(rem, rem[1:])
		rem[ec-1] = 0
		for i, g := range gen {
			rem[i] ^= gfMul(g, factor)
		}
	}
	return rem
}
