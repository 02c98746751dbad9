package compare

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"tracker"
	"tracker/internal/diff"
)

// The documents of a side-by-side comparison of two variants.
const (
	SideA Side = "a"
	SideB Side = "b"
)

// Variants is two documents (a document for two regions, say) as they
// stood at one moment, aligned section by section.
type Variants struct {
	A, B tracker.Version
	// At is the moment asked for, as given; "" for the latest versions.
	At        string
	Alignment *diff.Alignment
}

// Variants resolves the versions of sources a and b in force at at (a
// date as ParseDate reads it; "" is the latest of each) and aligns their
// texts section by section. A reference that names no version is a
// *RefError saying which side.
func (c *Comparer) Variants(ctx context.Context, a, b, at string) (Variants, error) {
	at = strings.TrimSpace(at)
	if a == b {
		return Variants{}, &Error{Msg: fmt.Sprintf("%s is compared with itself: name two sources, the same document for two regions (see variant_of in sources.yaml)", a)}
	}
	if _, err := strconv.Atoi(at); err == nil && at != "" {
		return Variants{}, &Error{Msg: fmt.Sprintf("%q is a version number, not a date: the two documents have their own version numbers; give a date (YYYY-MM-DD)", at)}
	}
	if at != "" {
		if _, err := ParseDate(at, true); err != nil {
			return Variants{}, &Error{Msg: err.Error()}
		}
	}
	v := Variants{At: at}
	var err error
	if v.A, err = c.Resolve(ctx, a, at); err != nil {
		return v, &RefError{Side: SideA, Err: err}
	}
	if v.B, err = c.Resolve(ctx, b, at); err != nil {
		return v, &RefError{Side: SideB, Err: err}
	}
	ta, err := c.DB.Text(ctx, v.A)
	if err != nil {
		return v, err
	}
	tb, err := c.DB.Text(ctx, v.B)
	if err != nil {
		return v, err
	}
	v.Alignment = diff.AlignSections(ta, tb, diff.Options{})
	return v, nil
}

// NotADocument says why a feed cannot be one side of a comparison.
func NotADocument(id string) string {
	return fmt.Sprintf("%s is a regulator's feed, not a document: compare two documents (the same one for two regions; see `tracker sources`)", id)
}
