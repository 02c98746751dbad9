// Package compare is the read side of a document's history: it resolves what
// a reader names ("version 3", "2024-01-01", the latest; dates as ParseDate
// reads them) to a stored version and compares any two versions the way a
// recorded change was compared. The command line, the web pages and the
// digests all go through it, so a diff says the same thing wherever it is
// read.
package compare

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/diff"
	"tracker/internal/record"
	"tracker/internal/store"
	"tracker/internal/topics"
)

// Comparer reads and compares versions. Its fields are its dependencies.
type Comparer struct {
	DB       store.Store
	Taxonomy *topics.Taxonomy
	// Subject, when set, gives the subject topics a source declares, as
	// the record stage classified its changes with them.
	Subject func(sourceID string) []string
}

// Error is a reference that names no version: NotFound when it is well
// formed but no such version exists, otherwise a malformed reference.
type Error struct {
	NotFound bool
	Msg      string
}

func (e *Error) Error() string { return e.Msg }

func notFoundf(format string, args ...any) error {
	return &Error{NotFound: true, Msg: fmt.Sprintf(format, args...)}
}

// IsNotFound reports whether err says that no such version exists.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.NotFound
}

// IsBadReference reports whether err says that a reference is malformed.
func IsBadReference(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.NotFound
}

// Resolve reads a version reference of source id: a number is a seq,
// anything else a date or time (the version in force at the end of it, see
// ParseDate); "" is the latest version.
func (c *Comparer) Resolve(ctx context.Context, id, ref string) (tracker.Version, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		v, err := c.DB.CurrentVersion(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return v, notFoundf("%s has no version yet", id)
		}
		return v, err
	}
	if seq, err := strconv.Atoi(ref); err == nil {
		v, err := c.DB.Version(ctx, id, seq)
		if errors.Is(err, store.ErrNotFound) {
			return v, notFoundf("%s has no version %d", id, seq)
		}
		return v, err
	}
	at, err := ParseDate(ref, true)
	if err != nil {
		return tracker.Version{}, &Error{Msg: err.Error()}
	}
	v, err := c.DB.VersionAt(ctx, id, at)
	if errors.Is(err, store.ErrNotFound) {
		return v, notFoundf("%s had no version yet on %s", id, ref)
	}
	return v, err
}

// Side says which end of a comparison a reference failed to name.
type Side string

// The ends of a comparison.
const (
	From Side = "from"
	To   Side = "to"
)

// RefError is a reference of one side of a comparison that names no
// version.
type RefError struct {
	Side Side
	Err  error
}

func (e *RefError) Error() string { return e.Err.Error() }
func (e *RefError) Unwrap() error { return e.Err }

// ErrFirst is returned by Pair when to is version 1 and no from was given:
// there is nothing before it to compare it with.
var ErrFirst = errors.New("compare: the first version has nothing before it")

// Pair resolves the two ends of a comparison: to defaults to the latest
// version, from to the one before to.
func (c *Comparer) Pair(ctx context.Context, id, fromRef, toRef string) (from, to tracker.Version, err error) {
	if to, err = c.Resolve(ctx, id, toRef); err != nil {
		return from, to, &RefError{Side: To, Err: err}
	}
	if strings.TrimSpace(fromRef) != "" {
		if from, err = c.Resolve(ctx, id, fromRef); err != nil {
			return from, to, &RefError{Side: From, Err: err}
		}
		return from, to, nil
	}
	if to.Seq <= 1 {
		return from, to, fmt.Errorf("version 1 of %s is its first: there is nothing before it to compare it with: %w", id, ErrFirst)
	}
	from, err = c.DB.Version(ctx, id, to.Seq-1)
	return from, to, err
}

// SameVersion is the summary of a version compared with itself.
const SameVersion = "the same version"

// Compare diffs and classifies the change from version from to version to.
// Compared backwards (from a later version to an earlier one), the change
// is the mirror of the forward one: it counts the same words, swapped.
func (c *Comparer) Compare(ctx context.Context, from, to tracker.Version) (changes.Analysis, error) {
	old, err := c.DB.Text(ctx, from)
	if err != nil {
		return changes.Analysis{}, err
	}
	new, err := c.DB.Text(ctx, to)
	if err != nil {
		return changes.Analysis{}, err
	}
	// Read as the record stage read it: knowing the document's name,
	// subject and which paragraphs its versions before from held.
	doc := record.Document(ctx, c.DB, from.SourceID, from.Seq)
	if c.Subject != nil {
		doc.Subject = c.Subject(from.SourceID)
	}
	cc := changes.Context{Taxonomy: c.Taxonomy, Document: doc}
	var a changes.Analysis
	if from.Seq > to.Seq {
		a = changes.AnalyzeDiff(old, new, diff.Compare(new, old, diff.Options{}).Reversed(), cc)
	} else {
		a = changes.AnalyzeIn(old, new, cc)
	}
	if from.Seq == to.Seq {
		a.Summary = SameVersion
		a.Reason = "A version compared with itself."
	}
	return a, nil
}

// Change compares the two versions of a recorded change.
func (c *Comparer) Change(ctx context.Context, ch tracker.Change) (from, to tracker.Version, a changes.Analysis, err error) {
	if from, err = c.DB.Version(ctx, ch.SourceID, ch.FromSeq); err != nil {
		return
	}
	if to, err = c.DB.Version(ctx, ch.SourceID, ch.ToSeq); err != nil {
		return
	}
	a, err = c.Compare(ctx, from, to)
	return
}
