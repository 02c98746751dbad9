package digest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*.tmpl
var builtin embed.FS

// Template files; an operator's directory may replace any of them but the
// excerpt, which the HTML part shows as .ExcerptHTML.
const (
	subjectFile = "subject.tmpl"
	textFile    = "digest.txt.tmpl"
	htmlFile    = "digest.html.tmpl"
	excerptFile = "excerpt.html.tmpl"
)

// Templates render digests.
type Templates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

var funcs = map[string]any{
	"plural": plural,
	"join":   strings.Join,
	"upper":  strings.ToUpper,
	"indent": func(s, prefix string) string {
		s = strings.TrimRight(s, "\n")
		if s == "" {
			return ""
		}
		return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
	},
}

// excerptHTML renders the excerpts of a change for the HTML part.
var excerptHTML = htmltemplate.Must(htmltemplate.New(excerptFile).Funcs(funcs).ParseFS(builtin, "templates/"+excerptFile))

func renderExcerptHTML(ps []Passage, more int) (htmltemplate.HTML, error) {
	var b strings.Builder
	err := excerptHTML.Execute(&b, struct {
		Excerpts []Passage
		More     int
	}{ps, more})
	if err != nil {
		return "", fmt.Errorf("digest: excerpt: %w", err)
	}
	// The template escaped every piece of text: the result is safe.
	return htmltemplate.HTML(b.String()), nil
}

// LoadTemplates reads the built-in templates, replaced by those present in
// dir when dir is not "".
func LoadTemplates(dir string) (*Templates, error) {
	read := func(name string) (string, string, error) {
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				return string(b), filepath.Join(dir, name), nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", "", fmt.Errorf("digest: template %s: %w", name, err)
			}
		}
		b, err := builtin.ReadFile("templates/" + name)
		return string(b), "built-in " + name, err
	}
	var t Templates
	src, where, err := read(subjectFile)
	if err != nil {
		return nil, err
	}
	if t.subject, err = texttemplate.New(subjectFile).Funcs(funcs).Parse(src); err != nil {
		return nil, fmt.Errorf("digest: %s: %w", where, err)
	}
	if src, where, err = read(textFile); err != nil {
		return nil, err
	}
	if t.text, err = texttemplate.New(textFile).Funcs(funcs).Parse(src); err != nil {
		return nil, fmt.Errorf("digest: %s: %w", where, err)
	}
	if src, where, err = read(htmlFile); err != nil {
		return nil, err
	}
	if t.html, err = htmltemplate.New(htmlFile).Funcs(funcs).Parse(src); err != nil {
		return nil, fmt.Errorf("digest: %s: %w", where, err)
	}
	return &t, nil
}

// Rendered is a digest ready to send.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Render renders a digest's subject, plain text and HTML.
func (t *Templates) Render(d *Digest) (Rendered, error) {
	var r Rendered
	var b bytes.Buffer
	if err := t.subject.Execute(&b, d); err != nil {
		return r, fmt.Errorf("digest: subject: %w", err)
	}
	r.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.text.Execute(&b, d); err != nil {
		return r, fmt.Errorf("digest: text: %w", err)
	}
	r.Text = b.String()
	b.Reset()
	if err := t.html.Execute(&b, d); err != nil {
		return r, fmt.Errorf("digest: html: %w", err)
	}
	r.HTML = b.String()
	return r, nil
}
