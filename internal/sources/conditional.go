package sources

import (
	"context"
	"time"

	"tracker"
	"tracker/internal/sources/fetch"
)

// conditionalGet fetches req, conditionally when the last fetch of the
// source succeeded under the same rules and left something a 304 can
// confirm (confirmable: a version of a page, a successful fetch of a
// feed): a 304 then means exactly what is stored. It returns the validators
// to keep: those of the response, or on a 304 those sent where the server
// did not send them again.
func (c *Checker) conditionalGet(ctx context.Context, req fetch.Request, st tracker.Source, rules string, confirmable bool) (resp *fetch.Response, val *tracker.Validators, at time.Time, err error) {
	if confirmable && st.Error == "" && st.Validators.RulesHash == rules {
		req.ETag, req.LastModified = st.Validators.ETag, st.Validators.LastModified
	}
	at = c.now()
	resp, err = c.Fetcher.Fetch(ctx, req)
	if err != nil {
		return nil, nil, at, err
	}
	val = &tracker.Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), RulesHash: rules}
	if resp.NotModified {
		if val.ETag == "" {
			val.ETag = req.ETag
		}
		if val.LastModified == "" {
			val.LastModified = req.LastModified
		}
	}
	return resp, val, at, nil
}
