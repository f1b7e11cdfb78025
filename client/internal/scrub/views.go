package scrub

import (
	"html"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The views of a text: what a reader of it would see after decoding it one way or another.
// The scrubber looks for secrets in every view; see Scrubber.

const (
	// maxDecodeRounds is how many decodings deep views go: an encoding inside an
	// encoding inside an encoding (a percent-encoded base64 of JSON-escaped text) is found.
	maxDecodeRounds = 4
	// viewBudget bounds the bytes of all views of a text, as a multiple of its length:
	// a text whose views would exceed it is treated as holding a secret (withheld).
	viewBudget = 16
	// minRun is the shortest run of base64 or hex characters decoded: 6 base64
	// characters are the fewest that carry a 4-byte secret.
	minRun = 6
)

// decoders turn a view into another; each returns ok false when it changes nothing.
var decoders = []func(string) (string, bool){
	percentDecode, plusAsSpace, latin1, htmlUnescape, jsUnescape, invisible, unseen, base64Runs, hexRuns,
}

// views calls visit with s and each distinct view of it, until visit returns false. When
// the views of s would be larger than the budget, it visits a marker that holds
// tokenPrefix, so that the text counts as holding a secret.
func views(s string, visit func(string) bool) {
	if !visit(s) {
		return
	}
	seen := []string{s} // few: a slice beats a map
	budget := viewBudget*len(s) + 4096
	frontier := []string{s}
	for round := 0; round < maxDecodeRounds && len(frontier) > 0; round++ {
		var next []string
		for _, v := range frontier {
			for _, decode := range decoders {
				d, ok := decode(v)
				if !ok || slices.Contains(seen, d) {
					continue
				}
				if budget -= len(d); budget < 0 {
					visit(tokenPrefix + "(views over budget)")
					return
				}
				seen = append(seen, d)
				if !visit(d) {
					return
				}
				next = append(next, d)
			}
		}
		frontier = next
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { _, ok := unhex(c); return ok }

// percentDecode decodes %XX (either case) and %uXXXX, leaving anything else as it is: a
// stray % does not stop the rest from being read, as it would url.PathUnescape.
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, false
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				hi, _ := unhex(s[i+1])
				lo, _ := unhex(s[i+2])
				b.WriteByte(hi<<4 | lo)
				i += 2
				changed = true
				continue
			}
			if i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
				if r, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
					b.WriteRune(rune(r)) //nolint:gosec // four hex digits: 16 bits
					i += 5
					changed = true
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), changed
}

// plusAsSpace reads '+' as a space, as form decoding does.
func plusAsSpace(s string) (string, bool) {
	if !strings.Contains(s, "+") {
		return s, false
	}
	return strings.ReplaceAll(s, "+", " "), true
}

// latin1 reads a text that is not UTF-8 as Latin-1, each byte one character: what
// JavaScript's escape() and older servers make of characters past ASCII (%E4 for ä).
func latin1(s string) (string, bool) {
	if isASCII(s) || utf8.ValidString(s) {
		return s, false
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r), true
}

// htmlUnescape decodes HTML entities: named, decimal and hexadecimal, in any case, with or
// without leading zeros, as a browser would.
func htmlUnescape(s string) (string, bool) {
	if !strings.Contains(s, "&") {
		return s, false
	}
	d := html.UnescapeString(s)
	return d, d != s
}

// jsUnescape decodes the backslash escapes of JSON, JavaScript, Python and C string
// literals: \uXXXX (surrogate pairs joined), \u{X…}, \xXX, \/, \' and the letter escapes;
// any other escaped character stands for itself.
func jsUnescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0':
			b.WriteByte(0)
		case 'x':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				hi, _ := unhex(s[i+1])
				lo, _ := unhex(s[i+2])
				b.WriteByte(hi<<4 | lo)
				i += 2
			} else {
				b.WriteByte(e)
			}
		case 'u', 'U':
			r, n := unicodeEscape(s[i+1:])
			if n == 0 {
				b.WriteByte(e)
				break
			}
			i += n
			if 0xd800 <= r && r < 0xdc00 && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if lo, m := unicodeEscape(s[i+3:]); m == 4 && 0xdc00 <= lo && lo < 0xe000 {
					r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
					i += 2 + m
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(e)
		}
	}
	return b.String(), true
}

// unicodeEscape reads the XXXX of \uXXXX or the {X…} of \u{X…} at the start of s: the rune
// and how many bytes it took, 0 if none.
func unicodeEscape(s string) (rune, int) {
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 2 || end > 9 {
			return 0, 0
		}
		r, err := strconv.ParseUint(s[1:end], 16, 32)
		if err != nil || r > utf8.MaxRune {
			return 0, 0
		}
		return rune(r), end + 1 //nolint:gosec // checked against utf8.MaxRune
	}
	if len(s) < 4 {
		return 0, 0
	}
	r, err := strconv.ParseUint(s[:4], 16, 16)
	if err != nil {
		return 0, 0
	}
	return rune(r), 4 //nolint:gosec // four hex digits: 16 bits
}

// invisible drops default-ignorable code points (zero-width spaces, soft hyphens, byte
// order marks): a terminal or a browser shows nothing for them.
func invisible(s string) (string, bool) {
	if isASCII(s) {
		return s, false
	}
	d := strings.Map(func(r rune) rune {
		if isDefaultIgnorable(r) {
			return -1
		}
		return r
	}, s)
	return d, d != s
}

// unseen drops what a terminal or a browser shows as nothing, or as markup: control
// characters, terminal escape sequences and HTML tags. NUL stays: it separates the pieces
// of decoded bytes (textPieces), which must not join.
func unseen(s string) (string, bool) {
	if !strings.ContainsFunc(s, func(r rune) bool { return (r != 0 && isControl(r)) || r == '<' }) {
		return s, false
	}
	d := s
	if strings.ContainsAny(d, "\x1b\u009b") {
		d = escapeSequence().ReplaceAllString(d, "")
	}
	if strings.Contains(d, "<") {
		d = htmlTag().ReplaceAllString(d, "")
	}
	d = strings.Map(func(r rune) rune {
		if r != 0 && isControl(r) {
			return -1
		}
		return r
	}, d)
	return d, d != s
}

// isControl reports whether r is a C0 or C1 control character or DEL.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (0x80 <= r && r < 0xa0) }

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// textPieces appends to out the pieces of decoded bytes that could hold a secret, each
// followed by a NUL byte, which no secret holds across: the runs of at least minSecretLen
// bytes of UTF-8 without control characters. Bytes decoded at the wrong alignment, or that
// were never text, give few such pieces, so a view of them stays small; a secret holds no
// control character, so none is split.
func textPieces(out, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); {
		r, n := rune(raw[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(raw[i:])
		}
		if (r == utf8.RuneError && n == 1) || isControl(r) {
			if i-start >= minSecretLen {
				out = append(append(out, raw[start:i]...), 0)
			}
			start = i + n
		}
		i += n
	}
	if len(raw)-start >= minSecretLen {
		out = append(append(out, raw[start:]...), 0)
	}
	return out
}

// base64Runs decodes every run of base64 characters (standard and URL alphabets alike,
// padding ignored) at each of the four alignments it could start at, and keeps the pieces
// of text it decodes (textPieces).
func base64Runs(s string) (string, bool) {
	var out, raw []byte
	for i := 0; i < len(s); {
		if !isBase64Char(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isBase64Char(s[j]) {
			j++
		}
		if j-i >= minRun {
			for skip := range 4 {
				raw = decodeBase64(raw[:0], s[i+skip:j])
				out = textPieces(out, raw)
			}
		}
		i = j
	}
	return string(out), len(out) > 0
}

// decodeBase64 appends the bytes run encodes, in whole characters from its start; the
// last incomplete group gives the bytes it holds whole.
func decodeBase64(out []byte, run string) []byte {
	var acc uint32
	n := 0
	for i := 0; i < len(run); i++ {
		acc = acc<<6 | uint32(base64Value(run[i]))
		n += 6
		if n >= 8 {
			n -= 8
			out = append(out, byte(acc>>n&0xff))
		}
	}
	return out
}

func base64Value(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A'
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26
	case '0' <= c && c <= '9':
		return c - '0' + 52
	case c == '+' || c == '-':
		return 62
	}
	return 63 // '/' or '_'
}

// hexRuns decodes every run of hex digits (either case), pairs of which may be separated
// by ':', '-', '.' or a space, at both alignments, and keeps the pieces of text it decodes.
func hexRuns(s string) (string, bool) {
	var out, digits, raw []byte
	for i := 0; i < len(s); {
		if !isHex(s[i]) {
			i++
			continue
		}
		digits = digits[:0]
		j := i
		for j < len(s) {
			if isHex(s[j]) {
				digits = append(digits, s[j])
				j++
				continue
			}
			if (s[j] == ':' || s[j] == '-' || s[j] == '.' || s[j] == ' ') && j+1 < len(s) && isHex(s[j+1]) {
				j++
				continue
			}
			break
		}
		if len(digits) >= 2*minSecretLen {
			for skip := range 2 {
				raw = raw[:0]
				for k := skip; k+1 < len(digits); k += 2 {
					hi, _ := unhex(digits[k])
					lo, _ := unhex(digits[k+1])
					raw = append(raw, hi<<4|lo)
				}
				out = textPieces(out, raw)
			}
		}
		i = j
	}
	return string(out), len(out) > 0
}
