package page

import (
	"bytes"
	"fmt"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders CommonMark with GitHub's tables, as Open Terms Archive
// writes its versions.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// FromMarkdown renders a Markdown document as an HTML page whose <body> holds
// it, so that Markdown from a dataset goes through the same extraction as a
// fetched page and yields text comparable with it.
func FromMarkdown(md []byte) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n")
	if err := markdown.Convert(md, &b); err != nil {
		return nil, fmt.Errorf("page: render markdown: %w", err)
	}
	b.WriteString("</body></html>\n")
	return b.Bytes(), nil
}
