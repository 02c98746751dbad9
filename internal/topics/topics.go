// Package topics classifies text by the legal topics it touches (privacy,
// consumer protection, intellectual property, minors, moderation, AI) and
// keeps the words that matched as evidence.
//
// A Taxonomy is compiled once from Specs (the built-in defaults, extended or
// overridden by configuration) and is then safe for concurrent use. Matching
// is by words, not substrings: terms and phrases are compared word by word
// after case folding and a light stemming (plurals, -ing, -ed, British and
// American -ise/-ize), so "cookies" matches "cookie" and "opt-out" matches
// "opt out", but "ip" never matches inside "ship". Patterns are Go regular
// expressions for what words cannot express.
package topics

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"tracker"
)

// The ids of the built-in topics. Other packages store and query them, so
// they never change.
const (
	Privacy    = "privacy"
	Consumer   = "consumer"
	IP         = "ip"
	Minors     = "minors"
	Moderation = "moderation"
	AI         = "ai"
)

// Spec is one topic as written in the built-in taxonomy or in sources.yaml.
type Spec struct {
	// ID is the stable identifier stored with every classified change:
	// lowercase letters, digits, '-' and '_'.
	ID string `yaml:"id"`
	// Name is what people read in digests.
	Name string `yaml:"name"`
	// Terms are single words, matched whole, case-insensitively, tolerant
	// of plurals and simple inflections.
	Terms []string `yaml:"terms"`
	// Phrases are several words matched in sequence; the words may be
	// separated by any whitespace (line breaks too) or hyphens.
	Phrases []string `yaml:"phrases"`
	// Patterns are Go regular expressions, matched case-insensitively
	// (write (?-i) to turn that off) against the raw text.
	Patterns []string `yaml:"patterns"`
	// Exclude lists words or phrases inside which a match of this topic
	// does not count ("cookie dough" for privacy's "cookie").
	Exclude []string `yaml:"exclude"`
	// Replace makes this spec's lists replace those of the built-in topic
	// with the same id instead of extending them.
	Replace bool `yaml:"replace"`
	// Disabled drops the built-in topic with the same id.
	Disabled bool `yaml:"disabled"`
}

// Topic is a compiled topic's identity.
type Topic struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Match is one topic found in classified text, with its evidence: the
// domain's TopicMatch, which changes and items carry.
//
// The JSON form {"topic": ..., "evidence": [...]} is stored and served as is;
// "context" appears only when it is true.
type Match = tracker.TopicMatch

// MaxEvidence caps a Match's evidence: a handful of words is enough for a
// reader to judge, and a rewrite must not flood a digest.
const MaxEvidence = 5

// Fragment is one piece of text to classify together with the byte ranges of
// it that actually changed; the rest is the surrounding sentence. A fragment
// whose Changed is empty is context only.
type Fragment struct {
	Text    string
	Changed [][2]int
}

// Hit is one place in a text where a topic matched.
type Hit struct {
	Topic string
	// Start and End are byte offsets: the matched words are Text[Start:End].
	Start, End int
}

// Taxonomy is a compiled set of topics. It is immutable and safe for
// concurrent use.
type Taxonomy struct {
	topics []compiledTopic
	// vocab maps each stemmed word used by any term, phrase or exclude to
	// a small integer, so scanning compares integers.
	vocab map[string]int32
	// byFirst lists, for each vocabulary word, the phrases that start with
	// it (a term is a phrase of one word).
	byFirst [][]phrase
}

type compiledTopic struct {
	Topic
	patterns []*pattern
}

type phrase struct {
	words   []int32
	topic   int
	exclude bool
}

// Config is the topics section of sources.yaml, ready to be decoded by the
// config package.
type Config struct {
	// NoDefaults drops every built-in topic: only Topics remain.
	NoDefaults bool `yaml:"no_defaults"`
	// Topics extend, replace or disable built-in topics, or add new ones.
	Topics []Spec `yaml:"topics"`
}

// Compile compiles the built-in topics (unless NoDefaults) merged with the
// configured ones.
func (c Config) Compile() (*Taxonomy, error) {
	var base []Spec
	if !c.NoDefaults {
		base = Defaults()
	}
	return Compile(base, c.Topics)
}

//go:embed taxonomy.yaml
var defaultYAML []byte

// Defaults returns the built-in taxonomy, a fresh copy on each call (callers
// may modify it). taxonomy.yaml in this package is the readable source.
func Defaults() []Spec {
	specs, err := ParseSpecs(defaultYAML)
	if err != nil {
		// The file is compiled into the binary and checked by the tests:
		// failing here is a build defect, not an operator's mistake.
		panic(fmt.Sprintf("topics: built-in taxonomy.yaml: %v", err))
	}
	return specs
}

// ParseSpecs decodes a document of the form "topics: [spec, ...]", the
// format of taxonomy.yaml, strictly: unknown keys are errors.
func ParseSpecs(data []byte) ([]Spec, error) {
	var doc struct {
		Topics []Spec `yaml:"topics"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("topics: parse: %w", err)
	}
	return doc.Topics, nil
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Compile merges overrides into base and compiles the result. Pass
// Defaults() as base to start from the built-in topics, or nil to drop them
// all.
//
// An override whose ID is in base extends that topic's lists (or replaces
// them when Replace is set; a non-empty Name always replaces), removes it
// when Disabled is set, and otherwise adds a new topic after the base ones.
// Every problem found is reported, each naming its topic.
func Compile(base, overrides []Spec) (*Taxonomy, error) {
	var errs []error
	specs := make([]Spec, 0, len(base)+len(overrides))
	index := map[string]int{}
	for _, s := range base {
		if err := checkID(s.ID, "built-in"); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := index[s.ID]; dup {
			errs = append(errs, fmt.Errorf("topics: topic %q is defined twice in the base taxonomy", s.ID))
			continue
		}
		index[s.ID] = len(specs)
		specs = append(specs, clone(s))
	}
	builtIn := ids(specs)
	seen := map[string]bool{}
	disabled := map[string]bool{}
	for _, o := range overrides {
		if err := checkID(o.ID, "configured"); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[o.ID] {
			errs = append(errs, fmt.Errorf("topics: topic %q is configured twice; merge the two entries", o.ID))
			continue
		}
		seen[o.ID] = true
		i, ok := index[o.ID]
		switch {
		case o.Disabled && !ok:
			errs = append(errs, fmt.Errorf("topics: topic %q: cannot disable a topic that is not built in (built-in ids: %s)", o.ID, builtIn))
		case o.Disabled:
			disabled[o.ID] = true
		case !ok:
			index[o.ID] = len(specs)
			specs = append(specs, clone(o))
		default:
			specs[i] = merge(specs[i], o)
		}
	}
	t := &Taxonomy{vocab: map[string]int32{}}
	for _, s := range specs {
		if disabled[s.ID] {
			continue
		}
		if err := t.add(s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 && len(t.topics) == 0 {
		errs = append(errs, errors.New("topics: no topic left to classify by; keep the built-in topics or configure at least one"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

func checkID(id, where string) error {
	if !idRE.MatchString(id) {
		return fmt.Errorf("topics: %s topic id %q: use lowercase letters, digits, '-' and '_' (for example \"privacy\")", where, id)
	}
	return nil
}

func ids(specs []Spec) string {
	if len(specs) == 0 {
		return "none"
	}
	var s []string
	for _, sp := range specs {
		s = append(s, sp.ID)
	}
	return strings.Join(s, ", ")
}

func clone(s Spec) Spec {
	s.Terms = slices.Clone(s.Terms)
	s.Phrases = slices.Clone(s.Phrases)
	s.Patterns = slices.Clone(s.Patterns)
	s.Exclude = slices.Clone(s.Exclude)
	return s
}

func merge(base, o Spec) Spec {
	if o.Name != "" {
		base.Name = o.Name
	}
	if o.Replace {
		base.Terms = slices.Clone(o.Terms)
		base.Phrases = slices.Clone(o.Phrases)
		base.Patterns = slices.Clone(o.Patterns)
		base.Exclude = slices.Clone(o.Exclude)
		return base
	}
	base.Terms = append(base.Terms, o.Terms...)
	base.Phrases = append(base.Phrases, o.Phrases...)
	base.Patterns = append(base.Patterns, o.Patterns...)
	base.Exclude = append(base.Exclude, o.Exclude...)
	return base
}

// add validates and compiles one topic into t.
func (t *Taxonomy) add(s Spec) error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("topics: topic %q: "+format, append([]any{s.ID}, args...)...))
	}
	if strings.TrimSpace(s.Name) == "" {
		fail("name is empty; give it a human name such as %q", "Privacy and data protection")
	}
	if len(s.Terms)+len(s.Phrases)+len(s.Patterns) == 0 {
		fail("has no terms, phrases or patterns, so it could never match")
	}
	topic := len(t.topics)
	type entry struct {
		words   []string
		exclude bool
	}
	var entries []entry
	for _, term := range s.Terms {
		w := words(term)
		switch {
		case len(w) == 0:
			fail("term %q has no letters or digits", term)
		case len(w) > 1:
			fail("term %q is several words; list it under phrases", term)
		default:
			entries = append(entries, entry{words: w})
		}
	}
	for _, p := range s.Phrases {
		if w := words(p); len(w) == 0 {
			fail("phrase %q has no letters or digits", p)
		} else {
			entries = append(entries, entry{words: w})
		}
	}
	for _, x := range s.Exclude {
		if w := words(x); len(w) == 0 {
			fail("exclude %q has no letters or digits", x)
		} else {
			entries = append(entries, entry{words: w, exclude: true})
		}
	}
	ct := compiledTopic{Topic: Topic{ID: s.ID, Name: strings.TrimSpace(s.Name)}}
	for _, src := range s.Patterns {
		p, err := compilePattern(src)
		if err != nil {
			fail("pattern %q: %w", src, err)
			continue
		}
		ct.patterns = append(ct.patterns, p)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	t.topics = append(t.topics, ct)
	seen := map[string]bool{}
	for _, e := range entries {
		key := fmt.Sprint(e.exclude, e.words)
		if seen[key] {
			continue // a repeated entry (often from extending) adds nothing
		}
		seen[key] = true
		p := phrase{topic: topic, exclude: e.exclude}
		for _, w := range e.words {
			id, ok := t.vocab[w]
			if !ok {
				id = int32(len(t.byFirst))
				t.vocab[w] = id
				t.byFirst = append(t.byFirst, nil)
			}
			p.words = append(p.words, id)
		}
		t.byFirst[p.words[0]] = append(t.byFirst[p.words[0]], p)
	}
	return nil
}

// words returns the normalised words of a vocabulary entry.
func words(s string) []string {
	var out []string
	var buf []byte
	for _, tk := range tokenize(s, nil) {
		buf = normalize(buf[:0], s[tk.start:tk.end])
		out = append(out, string(buf))
	}
	return out
}

// Topics lists the compiled topics in order.
func (t *Taxonomy) Topics() []Topic {
	out := make([]Topic, len(t.topics))
	for i, ct := range t.topics {
		out[i] = ct.Topic
	}
	return out
}

// Name returns the human name of a topic id, or the id itself when the
// taxonomy does not know it (for changes stored under an older taxonomy).
func (t *Taxonomy) Name(id string) string {
	if n := t.name(id); n != "" {
		return n
	}
	return id
}

// Has reports whether id is one of the taxonomy's topics.
func (t *Taxonomy) Has(id string) bool { return t.name(id) != "" }

// IDs lists the ids of the taxonomy's topics, in order.
func (t *Taxonomy) IDs() []string {
	ids := make([]string, len(t.topics))
	for i, ct := range t.topics {
		ids[i] = ct.ID
	}
	return ids
}

// Check returns nil when id is one of the taxonomy's topics, and otherwise
// an error that lists them: a filter on an unknown id would silently match
// nothing (Name gives the id back, so nothing else notices).
func (t *Taxonomy) Check(id string) error {
	if t.Has(id) {
		return nil
	}
	return fmt.Errorf("%q is not a topic (known: %s)", id, strings.Join(t.IDs(), ", "))
}

func (t *Taxonomy) name(id string) string {
	for _, ct := range t.topics {
		if ct.ID == id {
			return ct.Name
		}
	}
	return ""
}
