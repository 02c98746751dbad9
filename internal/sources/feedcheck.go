package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/sources/feed"
	"tracker/internal/sources/fetch"
	"tracker/internal/sources/page"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// ItemCounts tells what a feed fetch brought.
type ItemCounts struct {
	New     int // items never seen before
	Updated int // items whose content changed
	Kept    int // of those, the ones the source's filters keep
	// Baseline is true for the first successful fetch of a feed: its items
	// are history and are not announced.
	Baseline bool
	// Skipped counts entries with no title, link or text.
	Skipped int
}

const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"

// maxEnrich bounds the linked pages fetched in one check of a feed.
const maxEnrich = 25

// itemFilter is a feed source's include, topics and exclude filters.
type itemFilter struct {
	rules            string
	include, exclude *topics.Taxonomy
	topics           map[string]bool
}

func feedRules(src *config.Source) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00%q\x00%q\x00%v\x00%q", src.Kind, src.URL, src.Include, src.Topics, src.Exclude, src.Enrich, []string(src.EnrichSelect))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// filter returns the compiled filters of a feed source.
func (c *Checker) filter(src *config.Source) (*itemFilter, error) {
	rules := feedRules(src)
	if f, ok := c.filters.Load(src.ID); ok && f.(*itemFilter).rules == rules {
		return f.(*itemFilter), nil
	}
	f := &itemFilter{rules: rules, topics: map[string]bool{}}
	words := func(name string, list []string) (*topics.Taxonomy, error) {
		if len(list) == 0 {
			return nil, nil
		}
		return topics.Compile(nil, []topics.Spec{{ID: name, Name: name, Phrases: list}})
	}
	var err error
	if f.include, err = words("include", src.Include); err != nil {
		return nil, fmt.Errorf("include: %w", err)
	}
	if f.exclude, err = words("exclude", src.Exclude); err != nil {
		return nil, fmt.Errorf("exclude: %w", err)
	}
	for _, t := range src.Topics {
		f.topics[t] = true
	}
	c.filters.Store(src.ID, f)
	return f, nil
}

// classify tags an item with topics and says whether the filters keep it.
func (c *Checker) classify(f *itemFilter, it *tracker.Item) {
	texts := []string{it.Title, it.Text, it.PageText, it.Author}
	it.Topics = c.Taxonomy.ClassifyItem(topics.Item{Title: it.Title, Text: it.Text, Page: it.PageText, Author: it.Author})
	keep := f.include == nil && len(f.topics) == 0
	if f.include != nil && len(f.include.Classify(texts...)) > 0 {
		keep = true
	}
	for _, m := range it.Topics {
		if f.topics[m.Topic] {
			keep = true
		}
	}
	if f.exclude != nil && len(f.exclude.Classify(texts...)) > 0 {
		keep = false
	}
	it.Kept = keep
}

func (c *Checker) checkFeed(ctx context.Context, src *config.Source) Result {
	f, err := c.filter(src)
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailConfig, Err: err}
	}
	st, err := c.DB.Source(ctx, src.ID)
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	rules := f.rules
	if st.Validators.RulesHash != rules && !st.LastOKAt.IsZero() {
		// New filters apply to the items already stored too.
		if err := c.DB.RefilterItems(ctx, src.ID, func(it tracker.Item) (bool, []topics.Match) {
			c.classify(f, &it)
			return it.Kept, it.Topics
		}); err != nil {
			return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
		}
		st.Validators = tracker.Validators{RulesHash: rules}
		if err := c.DB.SetValidators(ctx, src.ID, st.Validators); err != nil {
			return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
		}
	}
	req := fetch.Request{URL: src.URL, Header: src.Headers, Timeout: c.Config.EffectiveTimeout(src), Accept: feedAccept}
	resp, val, at, err := c.conditionalGet(ctx, req, st, rules, !st.LastOKAt.IsZero())
	if err != nil {
		return c.fail(ctx, src, at, err)
	}
	if resp.NotModified {
		if err := c.DB.SaveFeedFetch(ctx, store.FeedFetch{SourceID: src.ID, At: at, Validators: val,
			Snapshot: &tracker.Snapshot{Status: 304}}); err != nil {
			return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
		}
		return Result{Outcome: NotModified, Feed: true}
	}
	notice := c.notice(ctx, src, resp)
	snap := &tracker.Snapshot{FetchedAt: at, URL: resp.URL, Status: resp.Status, Headers: keptHeaders(resp.Header), Body: resp.Body}
	parsed, err := feed.Parse(resp.Body, resp.Header.Get("Content-Type"), resp.URL)
	if err != nil {
		return c.failWith(ctx, src, at, feedErrorKind(err), feedError(err), resp.Status, snap)
	}
	states, err := c.DB.ItemStates(ctx, src.ID)
	if err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	counts := ItemCounts{Baseline: st.LastOKAt.IsZero() && len(states) == 0, Skipped: parsed.Skipped}
	ff := store.FeedFetch{SourceID: src.ID, At: at, Now: c.now, Snapshot: snap, Validators: val}
	enriched := 0
	taken := map[string]bool{}
	for _, fi := range parsed.Items {
		fi.Key = itemKey(fi, states)
		if taken[fi.Key] {
			continue
		}
		taken[fi.Key] = true
		state, known := states[fi.Key]
		if known && state.Hash == fi.Hash {
			continue
		}
		it := tracker.Item{
			Key: fi.Key, GUID: fi.GUID, Title: fi.Title, Link: fi.Link, Author: fi.Author, Categories: fi.Categories,
			Text: fi.Text, DateOnly: fi.DateOnly, DateRaw: fi.DateRaw, Hash: fi.Hash, FirstSeen: at, Baseline: counts.Baseline,
		}
		if fi.HasDate {
			it.Published = fi.Published
		} else {
			it.Published = at // no date: the time it was first seen
		}
		if src.Enrich && !counts.Baseline && !known && it.Link != "" && enriched < maxEnrich {
			enriched++
			it.PageText = c.enrich(ctx, src, it.Link)
		}
		c.classify(f, &it)
		if it.Kept {
			counts.Kept++
		}
		if known {
			ff.Updated = append(ff.Updated, it)
			counts.Updated++
		} else {
			ff.New = append(ff.New, it)
			counts.New++
		}
	}
	if err := c.DB.SaveFeedFetch(ctx, ff); err != nil {
		return Result{Outcome: Failed, Kind: tracker.FailStore, Err: err}
	}
	if parsed.SharedGUIDs > 0 {
		notice = c.addNotice(ctx, src, notice, fmt.Sprintf("%d different items share a guid in the feed (it reuses ids): tracker keeps them apart by their titles", parsed.SharedGUIDs))
	}
	outcome := Unchanged
	if counts.New+counts.Updated > 0 {
		outcome = New
	}
	return Result{Outcome: outcome, Feed: true, Items: counts, Notice: notice}
}

// itemKey decides the key of an item without a guid that may share its
// link with other items: the key it is stored under, if it is; its own
// (AltKey) when another item of the feed, or the item stored under the
// plain link, is a different item; the plain link otherwise. A key once
// given never changes with what else the feed lists.
func itemKey(fi feed.Entry, stored map[string]store.ItemState) string {
	alt := feed.AltKeyOf(fi)
	if alt == "" {
		return fi.Key
	}
	if _, ok := stored[alt]; ok {
		return alt
	}
	if st, ok := stored[fi.Key]; ok {
		if feed.Sig(st.Title, st.DateRaw) != fi.Sig && (fi.SharedKey || storedUnder(stored, fi.Key+"#item-")) {
			return alt // another item holds the link, or the guid
		}
		return fi.Key // that item, perhaps edited
	}
	if fi.SharedKey {
		return alt
	}
	return fi.Key
}

// storedUnder reports whether an item is stored under a key with prefix:
// items of this link went by their own keys before.
func storedUnder(stored map[string]store.ItemState, prefix string) bool {
	for k := range stored {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// enrich fetches an item's page and returns its main text, or "" when it
// cannot: the item keeps what the feed said.
func (c *Checker) enrich(ctx context.Context, src *config.Source, link string) string {
	// The source's headers (an API key, say) are for the feed's own host,
	// not for every site its items link to.
	var header map[string]string
	if hostOf(link) == hostOf(src.URL) {
		header = src.Headers
	}
	resp, err := c.Fetcher.Fetch(ctx, fetch.Request{URL: link, Header: header, Timeout: c.Config.EffectiveTimeout(src)})
	if err != nil {
		if c.Log != nil {
			c.Log.Info("item page not fetched", "source", src.ID, "link", link, "err", err)
		}
		return ""
	}
	body, err := page.Decode(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		if c.Log != nil {
			c.Log.Info("item page unreadable", "source", src.ID, "link", link, "err", err)
		}
		return ""
	}
	text, err := feed.ExtractText(body, resp.URL, strings.Join(src.EnrichSelect, ", "))
	if err != nil {
		if c.Log != nil {
			c.Log.Info("item page without text", "source", src.ID, "link", link, "err", err)
		}
		return ""
	}
	return text
}

func feedErrorKind(err error) tracker.FailureKind {
	var nf *feed.NotFeedError
	if errors.As(err, &nf) && nf.HTML {
		return tracker.FailNotAFeed
	}
	return tracker.FailFeed
}

// feedError says what to do about a feed that cannot be read.
func feedError(err error) error {
	var nf *feed.NotFeedError
	if errors.As(err, &nf) && len(nf.FeedLinks) == 0 {
		return fmt.Errorf("%w; check the source's url in a browser", err)
	}
	return err
}
