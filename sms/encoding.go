package sms

import (
	"fmt"
	"unicode/utf16"
)

// Coding is how a text travels in the short_message of SMPP (and how a
// gateway counts parts): the GSM 03.38 7-bit default alphabet, or UCS-2
// (UTF-16 big-endian) for anything else, Chinese included.
type Coding int

// Codings, with their SMPP data_coding values.
const (
	GSM7 Coding = 0x00
	UCS2 Coding = 0x08
)

func (c Coding) String() string {
	if c == UCS2 {
		return "ucs2"
	}
	return "gsm7"
}

// gsmBasic is the GSM 03.38 default alphabet, indexed by septet.
var gsmBasic = []rune("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")

// gsmExt is the extension table: reached by the escape septet 0x1B.
var gsmExt = map[rune]byte{'\f': 0x0A, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2F, '[': 0x3C, '~': 0x3D, ']': 0x3E, '|': 0x40, '€': 0x65}

var (
	gsmIndex  = map[rune]byte{}
	gsmExtRev = map[byte]rune{}
)

func init() {
	for i, r := range gsmBasic {
		if r != 0x1b {
			gsmIndex[r] = byte(i)
		}
	}
	for r, b := range gsmExt {
		gsmExtRev[b] = r
	}
}

// CodingFor is GSM7 when every character of text is in the GSM default
// alphabet or its extension table, UCS2 otherwise.
func CodingFor(text string) Coding {
	for _, r := range text {
		if _, ok := gsmIndex[r]; ok {
			continue
		}
		if _, ok := gsmExt[r]; ok {
			continue
		}
		return UCS2
	}
	return GSM7
}

// EncodeGSM7 returns text as unpacked septets (one per byte, as SMPP
// carries them), extension characters as 0x1B and their code.
func EncodeGSM7(text string) ([]byte, error) {
	out := make([]byte, 0, len(text))
	for i, r := range text {
		if b, ok := gsmIndex[r]; ok {
			out = append(out, b)
		} else if b, ok := gsmExt[r]; ok {
			out = append(out, 0x1b, b)
		} else {
			return nil, fmt.Errorf("gsm7: character %q at byte %d is not in the GSM alphabet", r, i)
		}
	}
	return out, nil
}

// DecodeGSM7 reads unpacked septets.
func DecodeGSM7(b []byte) (string, error) {
	out := make([]rune, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c > 0x7f {
			return "", fmt.Errorf("gsm7: byte %d is 0x%02x, not a septet", i, c)
		}
		if c == 0x1b {
			if i+1 >= len(b) {
				return "", fmt.Errorf("gsm7: escape at the end (byte %d)", i)
			}
			i++
			r, ok := gsmExtRev[b[i]]
			if !ok {
				r = ' ' // 3GPP 23.038: an unknown extension shows as a space
			}
			out = append(out, r)
			continue
		}
		out = append(out, gsmBasic[c])
	}
	return string(out), nil
}

// EncodeUCS2 returns text as UTF-16 big-endian.
func EncodeUCS2(text string) []byte {
	u := utf16.Encode([]rune(text))
	out := make([]byte, 0, 2*len(u))
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return out
}

// DecodeUCS2 reads UTF-16 big-endian.
func DecodeUCS2(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("ucs2: odd length %d", len(b))
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u)), nil
}

// Decode reads a short message of the given SMPP data_coding. Latin-1
// (0x03) and 8-bit data (0x04) are read byte for byte.
func Decode(dataCoding byte, b []byte) (string, error) {
	switch dataCoding {
	case 0x00, 0x01:
		return DecodeGSM7(b)
	case 0x08:
		return DecodeUCS2(b)
	case 0x03, 0x04:
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	return "", fmt.Errorf("data_coding 0x%02x is not supported", dataCoding)
}

// Segment limits: one message holds 160 GSM septets or 70 UCS-2 units; a
// part of a long message loses 6 octets to its user data header (153 and 67).
const (
	gsmSingle, gsmPart   = 160, 153
	ucs2Single, ucs2Part = 70, 67
)

// Split encodes text and cuts it into the payloads of the messages that
// carry it: one payload without a header when it fits, otherwise parts of
// at most 153 septets / 67 UTF-16 units, never cutting an escape sequence
// or a surrogate pair. The caller adds the user data headers (UDH).
func Split(text string) (Coding, [][]byte, error) {
	c := CodingFor(text)
	if c == GSM7 {
		b, err := EncodeGSM7(text)
		if err != nil {
			return c, nil, err
		}
		if len(b) <= gsmSingle {
			return c, [][]byte{b}, nil
		}
		var parts [][]byte
		for len(b) > 0 {
			n := min(gsmPart, len(b))
			if n < len(b) && b[n-1] == 0x1b {
				n-- // keep the escape with its character
			}
			parts = append(parts, b[:n])
			b = b[n:]
		}
		return c, parts, nil
	}
	b := EncodeUCS2(text)
	if len(b) <= 2*ucs2Single {
		return c, [][]byte{b}, nil
	}
	var parts [][]byte
	for len(b) > 0 {
		n := min(2*ucs2Part, len(b))
		if n < len(b) {
			if hi := uint16(b[n-2])<<8 | uint16(b[n-1]); hi >= 0xd800 && hi < 0xdc00 {
				n -= 2 // a high surrogate goes with its low half
			}
		}
		parts = append(parts, b[:n])
		b = b[n:]
	}
	return c, parts, nil
}

// Parts is how many messages text takes.
func Parts(text string) int {
	_, p, err := Split(text)
	if err != nil {
		return 1
	}
	return len(p)
}

// UDH is the user data header of part seq (1-based) of total, concatenated
// message reference ref (8-bit reference, IEI 0x00).
func UDH(ref byte, total, seq int) []byte {
	return []byte{0x05, 0x00, 0x03, ref, byte(total), byte(seq)}
}

// ParseUDH splits a short message with the UDHI flag into its
// concatenation fields (zero when it has none) and the text payload.
func ParseUDH(b []byte) (ref, total, seq int, payload []byte, err error) {
	if len(b) == 0 || int(b[0])+1 > len(b) {
		return 0, 0, 0, nil, fmt.Errorf("udh: length %d does not fit %d bytes", func() int {
			if len(b) == 0 {
				return 0
			}
			return int(b[0])
		}(), len(b))
	}
	h := b[1 : 1+int(b[0])]
	payload = b[1+int(b[0]):]
	for len(h) >= 2 {
		iei, l := h[0], int(h[1])
		if 2+l > len(h) {
			return 0, 0, 0, nil, fmt.Errorf("udh: element 0x%02x overruns the header", iei)
		}
		v := h[2 : 2+l]
		switch {
		case iei == 0x00 && l == 3:
			ref, total, seq = int(v[0]), int(v[1]), int(v[2])
		case iei == 0x08 && l == 4:
			ref, total, seq = int(v[0])<<8|int(v[1]), int(v[2]), int(v[3])
		}
		h = h[2+l:]
	}
	return ref, total, seq, payload, nil
}
