package sources

import (
	"context"
	"errors"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/page"
	"tracker/internal/sources/render"
	"tracker/internal/text"
)

// Probe is what one page gives under a set of rules, and where its text is:
// what an operator needs to write or mend a source. Nothing is recorded.
type Probe struct {
	Page config.Page
	// URL is where the page was served from, after redirects.
	URL         string
	Status      int
	Bytes       int
	ContentType string
	Rendered    bool
	// Text is the extracted text, Words its words; empty when Err is set.
	Text  string
	Words int
	// Where says which elements hold the page's text, when it was fetched.
	Where *page.Located
	// Kind and Err explain a page that was not fetched or extracted.
	Kind tracker.FailureKind
	Err  error
}

// ProbePage fetches or renders one page with the politeness of a check,
// extracts it under the page's rules and locates its text. A failed fetch
// is reported in the Probe, not as an error; the error is for a canceled
// context or rules that do not compile.
func (c *Checker) ProbePage(ctx context.Context, src *config.Source, p config.Page) (*Probe, error) {
	x, err := page.Compile(page.Rules{Select: p.Select, Remove: p.Remove, Rendered: p.Render == config.RenderBrowser})
	if err != nil {
		return nil, err
	}
	pr := &Probe{Page: p, Rendered: p.Render == config.RenderBrowser}
	fp, err := c.getPage(ctx, src, p, fetchedPage{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pr.Kind, pr.Err = kindOf(err), err
		var fe *fetch.Error
		if errors.As(err, &fe) && len(fe.Body) > 0 {
			pr.URL, pr.Status, pr.Bytes, pr.ContentType = fe.URL, fe.Status, len(fe.Body), fe.Header.Get("Content-Type")
			if fe.Status == 403 || fe.Status == 503 {
				if reason := page.BlockReason(fe.Body, pr.ContentType); reason != "" {
					pr.Kind = page.KindBlocked
				}
			}
			pr.Where, _ = x.Locate(fe.Body, pr.ContentType)
		}
		var re *render.Error
		if errors.As(err, &re) {
			pr.Kind = tracker.FailureKind(re.Kind)
		}
		return pr, nil
	}
	pr.URL, pr.Status, pr.Bytes, pr.ContentType = fp.url, fp.status, len(fp.body), fp.headers["Content-Type"]
	if pr.Where, err = x.Locate(fp.body, pr.ContentType); err != nil {
		pr.Kind, pr.Err = kindOf(err), err
		return pr, nil
	}
	got, err := x.Extract(fp.body, pr.ContentType)
	if err != nil {
		pr.Kind, pr.Err = kindOf(err), err
		return pr, nil
	}
	pr.Text, pr.Words = got.Text, text.Words(got.Text)
	return pr, nil
}
