package feed

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// xmlDeclEncoding finds the encoding attribute of an XML declaration.
var xmlDeclEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']`)

// toUTF8 returns body as UTF-8 with any XML declaration saying so, so that
// gofeed never converts it a second time.
//
// Declarations are often wrong (a server adds "charset=utf-8" to every
// response; a CMS writes ISO-8859-1 in the prolog of a UTF-8 file), so the
// bytes decide first: a body that is valid UTF-8 is taken as UTF-8, since
// text in a single-byte charset with accented letters is practically never
// valid UTF-8. Otherwise a non-UTF-8 charset named by the XML declaration
// (the file's own author wrote it next to the bytes) or else by the HTTP
// header decodes the body, and with neither the invalid bytes alone are read
// as Windows-1252. The result is always valid UTF-8.
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, utf8BOM):
		body = body[len(utf8BOM):]
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		if out, err := dec.Bytes(body); err == nil {
			body = out
		}
	}

	head := body[:min(len(body), 512)]
	declared := ""
	if m := xmlDeclEncoding.FindSubmatchIndex(head); m != nil {
		declared = string(head[m[2]:m[3]])
		if !isUTF8Label(declared) {
			// Rewrite in a copy: the caller's body is not ours to change.
			fixed := make([]byte, 0, len(body)+8)
			fixed = append(fixed, body[:m[2]]...)
			fixed = append(fixed, "UTF-8"...)
			fixed = append(fixed, body[m[3]:]...)
			body = fixed
		}
	}

	if utf8.Valid(body) {
		return body
	}
	headerCharset := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		headerCharset = params["charset"]
	}
	for _, label := range []string{declared, headerCharset} {
		if label == "" || isUTF8Label(label) {
			continue // the bytes already proved UTF-8 wrong
		}
		if enc, _ := charset.Lookup(label); enc != nil {
			if out, err := enc.NewDecoder().Bytes(body); err == nil {
				return bytes.ToValidUTF8(out, []byte("\uFFFD"))
			}
		}
	}
	return repairUTF8(body)
}

// repairUTF8 keeps the valid UTF-8 of body and reads each invalid byte as
// Windows-1252: a UTF-8 feed with a few stray Latin-1 bytes (pasted text)
// keeps both its accents and its curly quotes.
func repairUTF8(body []byte) []byte {
	out := make([]byte, 0, len(body)+len(body)/8)
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		if r == utf8.RuneError && size == 1 {
			r = charmap.Windows1252.DecodeByte(body[0])
		}
		out = utf8.AppendRune(out, r)
		body = body[size:]
	}
	return out
}

func isUTF8Label(label string) bool {
	l := strings.ToLower(strings.TrimSpace(label))
	return l == "utf-8" || l == "utf8" || l == "unicode-1-1-utf-8"
}
