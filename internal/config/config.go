// Package config reads sources.yaml into validated structs.
//
// Reading is strict: an unknown key, a duplicate key or a duplicate source id
// is an error that names the file and line, so a typo never silently turns a
// source off.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"tracker"
	"tracker/internal/topics"
)

// Source kinds.
const (
	KindPage = tracker.KindPage
	KindFeed = tracker.KindFeed
)

// RenderBrowser is the render mode of a page loaded in headless Chromium.
const RenderBrowser = "browser"

// Config is a parsed and validated sources.yaml.
type Config struct {
	// Path is the file the configuration was read from.
	Path     string   `yaml:"-"`
	Settings Settings `yaml:"settings"`
	Sources  []Source `yaml:"sources"`
	// Topics extend, replace or disable the built-in legal topics, or add
	// new ones (see internal/topics/taxonomy.yaml).
	Topics []topics.Spec `yaml:"topics"`
	// Mail says how digests are sent; Recipients who receive them.
	Mail       Mail        `yaml:"mail"`
	Recipients []Recipient `yaml:"recipients"`
	// Webhooks receive changes or digests over HTTP.
	Webhooks []Webhook `yaml:"webhooks"`
}

// TopicsConfig is what the taxonomy is compiled from: the built-in topics
// (unless settings.no_default_topics) merged with the topics section. Load
// has checked that it compiles; the wiring compiles it once
// (topics.Config.Compile) and hands the taxonomy to the stages that
// classify.
func (c *Config) TopicsConfig() topics.Config {
	return topics.Config{NoDefaults: c.Settings.NoDefaultTopics, Topics: c.Topics}
}

// Settings hold the defaults that apply to every source.
type Settings struct {
	// UserAgent names tracker to the sites it fetches.
	UserAgent string `yaml:"user_agent"`
	// Timeout bounds one request, headers and body included.
	Timeout Duration `yaml:"timeout"`
	// ConnectTimeout bounds establishing the connection (TCP and TLS).
	ConnectTimeout Duration `yaml:"connect_timeout"`
	// MaxBody is the largest body accepted; a larger one fails the fetch.
	MaxBody ByteSize `yaml:"max_body"`
	// MaxRedirects is how many redirects a fetch follows.
	MaxRedirects int `yaml:"max_redirects"`
	// Retries is how many times a transient failure is retried.
	Retries int `yaml:"retries"`
	// RetryBackoff is the pause before the first retry; it doubles each time.
	RetryBackoff Duration `yaml:"retry_backoff"`
	// HostDelay is the pause between two requests to the same host.
	HostDelay Duration `yaml:"host_delay"`
	// Concurrency is how many hosts are fetched at once.
	Concurrency int `yaml:"concurrency"`
	// MinWords is the fewest words a page's extracted text may have.
	MinWords int `yaml:"min_words"`
	// MemoryLimit is the Go heap's soft limit in tracker check and run (0:
	// none); GOMEMLIMIT, when set, wins.
	MemoryLimit ByteSize `yaml:"memory_limit"`
	// NoDefaultTopics drops the built-in topics: only those of the topics
	// section remain.
	NoDefaultTopics bool `yaml:"no_default_topics"`

	// Schedule is when tracker run checks a page, FeedSchedule a feed,
	// unless the source says otherwise: a cron expression (minute hour
	// day-of-month month day-of-week) or @every 6h, @daily...
	Schedule     string `yaml:"schedule"`
	FeedSchedule string `yaml:"feed_schedule"`
	// Jitter spreads the sources over up to this long after their
	// scheduled time, so a hundred sources never hit the network at the
	// same second.
	Jitter Duration `yaml:"jitter"`
	// AlertAfter is how long a source may fail before it is reported.
	AlertAfter Duration `yaml:"alert_after"`
	// ShutdownGrace is how long in-flight work may finish after SIGTERM.
	ShutdownGrace Duration `yaml:"shutdown_grace"`
	// LeaseTTL is how long a worker's checks stay leased to it after its
	// last heartbeat: a worker that dies hands them to the others after
	// this long. Zero is the daemon's default (2m).
	LeaseTTL Duration `yaml:"lease_ttl"`
	// Browser is the Chromium executable for sources with render: browser;
	// empty looks up chromium, chromium-browser and google-chrome in PATH.
	Browser string `yaml:"browser"`
	// BrowserTabs is how many pages are rendered at once.
	BrowserTabs int `yaml:"browser_tabs"`
	// RenderTimeout bounds rendering one page, scripts included.
	RenderTimeout Duration `yaml:"render_timeout"`
	// RelatedWindow is how far before or after a change a regulator's
	// item may be published and still be related to it (package related).
	RelatedWindow Duration `yaml:"related_window"`
}

// Source is one declared document or feed.
type Source struct {
	ID   string             `yaml:"id"`
	Name string             `yaml:"name"`
	Kind tracker.SourceKind `yaml:"kind"`
	URL  string             `yaml:"url"`
	// Select lists CSS selectors; every match, in document order, is kept.
	Select StringList `yaml:"select"`
	// Remove lists CSS selectors removed before Select applies.
	Remove StringList `yaml:"remove"`
	// Jurisdiction is where the document applies, e.g. US, EEA, UK.
	Jurisdiction string `yaml:"jurisdiction"`
	// Document is the type of document, e.g. terms, privacy, guidelines.
	Document string `yaml:"document"`
	// VariantOf names the source this page is a regional variant of (the
	// EEA terms of the US terms): siblings are compared side by side, and
	// the digest says when one changed and the other did not.
	VariantOf string `yaml:"variant_of"`
	// Headers are sent with every request for this source.
	Headers map[string]string `yaml:"headers"`
	// RedirectHosts are the hosts besides its own that a page may redirect
	// to ("*": any). A redirect elsewhere fails the check: it leads to a
	// login, consent or geo page, not to the document.
	RedirectHosts StringList `yaml:"redirect_hosts"`
	// Disabled sources are declared but never fetched.
	Disabled bool `yaml:"disabled"`
	// MinWords overrides Settings.MinWords for this source.
	MinWords *int `yaml:"min_words"`
	// Timeout overrides Settings.Timeout for this source.
	Timeout Duration `yaml:"timeout"`
	// Schedule overrides Settings.Schedule (or FeedSchedule) for this source.
	Schedule string `yaml:"schedule"`
	// Notes are free text for the people maintaining the file.
	Notes string `yaml:"notes"`
	// Render is "browser" for a page whose text is inserted by scripts: it
	// is loaded in headless Chromium and extracted from the rendered page.
	Render string `yaml:"render"`
	// Pages, for a document split over several pages, lists them in
	// order: they are fetched one after the other and their texts joined
	// into one version. Each takes the source's select, remove and render
	// unless it sets its own. The source's url then names the document
	// (by default the first page's) and is not fetched itself.
	Pages []Page `yaml:"pages"`

	// Topics, for a page, are the document's subject (a privacy policy's
	// is privacy): every change of substance in it carries them, and other
	// topics need more evidence; without them they are read from the
	// document's name and title.
	//
	// For a feed, Include keeps the items that mention one of these words
	// or phrases; Topics keeps those classified with one of these topics
	// (with neither, every item is kept). Exclude then drops the items
	// that mention one of its words or phrases.
	Include []string `yaml:"include"`
	Topics  []string `yaml:"topics"`
	Exclude []string `yaml:"exclude"`
	// Enrich fetches the page each new item links to and adds its main
	// text to the item, so classification sees more than a title.
	// EnrichSelect names the main text with CSS selectors; without it the
	// largest block of text is taken.
	Enrich       bool       `yaml:"enrich"`
	EnrichSelect StringList `yaml:"enrich_select"`

	// Line is where the source is declared in the file.
	Line int `yaml:"-"`
}

// Mail configures the digests.
type Mail struct {
	// From is the sender: "Tracker <tracker@example.com>".
	From string `yaml:"from"`
	// SubjectPrefix starts every subject ("TikTok terms: 2 privacy
	// changes, ...").
	SubjectPrefix string `yaml:"subject_prefix"`
	// BaseURL is where the web pages are served; digests link to them.
	BaseURL string `yaml:"base_url"`
	// Outbox is where digests are written as .eml files when no SMTP
	// server is configured.
	Outbox string `yaml:"outbox"`
	// Templates is a directory whose subject.tmpl, digest.txt.tmpl and
	// digest.html.tmpl, when present, replace the built-in ones.
	Templates string `yaml:"templates"`
	// Schedule is when the daemon sends digests, a cron expression in each
	// recipient's time zone.
	Schedule string `yaml:"schedule"`
	SMTP     SMTP   `yaml:"smtp"`
}

// SMTP is the mail server. With no Host, digests go to the outbox.
type SMTP struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is "starttls" (required; the default), "tls" (implicit TLS, port
	// 465) or "none" (a local relay).
	TLS      string `yaml:"tls"`
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password: it
	// never comes from this file.
	PasswordEnv string   `yaml:"password_env"`
	Timeout     Duration `yaml:"timeout"`
}

// Recipient is a compliance officer who receives digests.
type Recipient struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	// Topics and Sources narrow the digest; empty means all.
	Topics  []string `yaml:"topics"`
	Sources []string `yaml:"sources"`
	// TimeZone is an IANA name (Europe/Paris); dates are shown in it and
	// the schedule follows it. Default UTC.
	TimeZone string `yaml:"time_zone"`
	// SkipEmpty opts out of the short digest sent for a quiet week.
	SkipEmpty bool `yaml:"skip_empty"`
	// MinImportance is the least important change shown: minor (the
	// default) or major; cosmetic shows everything.
	MinImportance tracker.Importance `yaml:"min_importance"`
	// Urgent lists topics whose major changes are mailed as they are
	// detected, besides the digest.
	Urgent []string `yaml:"urgent"`

	// Location is TimeZone loaded.
	Location *time.Location `yaml:"-"`
	Line     int            `yaml:"-"`
}

// Recipient returns the recipient with the given address or name, or nil.
func (c *Config) Recipient(who string) *Recipient {
	for i := range c.Recipients {
		r := &c.Recipients[i]
		if strings.EqualFold(r.Address, who) || strings.EqualFold(r.Name, who) {
			return r
		}
	}
	return nil
}

var defaultMail = Mail{
	From:          "tracker <tracker@localhost>",
	SubjectPrefix: "TikTok terms",
	Outbox:        "outbox",
	Schedule:      "0 8 * * 1",
	SMTP:          SMTP{TLS: "starttls", PasswordEnv: "TRACKER_SMTP_PASSWORD", Timeout: Duration(30 * time.Second)},
}

// Defaults is the configuration of a file that sets nothing: every setting
// at its default, no source and no recipient. The commands that only read
// the database (a digest preview) use it where there is no sources.yaml.
func Defaults() *Config {
	cfg := &Config{Settings: defaultSettings, Mail: defaultMail}
	normalizeMail(cfg)
	return cfg
}

// Defaults used when sources.yaml leaves a setting out.
var defaultSettings = Settings{
	UserAgent:      "tracker/1.0 (legal document change tracker)",
	Timeout:        Duration(30 * time.Second),
	ConnectTimeout: Duration(10 * time.Second),
	MaxBody:        10 << 20,
	MaxRedirects:   5,
	Retries:        3,
	RetryBackoff:   Duration(time.Second),
	HostDelay:      Duration(2 * time.Second),
	Concurrency:    4,
	MinWords:       30,
	MemoryLimit:    48 << 20,
	Schedule:       "@every 6h",
	FeedSchedule:   "@every 1h",
	Jitter:         Duration(10 * time.Minute),
	AlertAfter:     Duration(24 * time.Hour),
	ShutdownGrace:  Duration(30 * time.Second),
	BrowserTabs:    2,
	RenderTimeout:  Duration(45 * time.Second),
	RelatedWindow:  Duration(7 * 24 * time.Hour),
}

// EffectiveSchedule is the schedule that applies to s.
func (c *Config) EffectiveSchedule(s *Source) string {
	switch {
	case s.Schedule != "":
		return s.Schedule
	case s.Kind == KindFeed:
		return c.Settings.FeedSchedule
	}
	return c.Settings.Schedule
}

// EffectiveMinWords is the minimum word count that applies to s.
func (c *Config) EffectiveMinWords(s *Source) int {
	if s.MinWords != nil {
		return *s.MinWords
	}
	return c.Settings.MinWords
}

// EffectiveTimeout is the request timeout that applies to s.
func (c *Config) EffectiveTimeout(s *Source) time.Duration {
	if s.Timeout > 0 {
		return time.Duration(s.Timeout)
	}
	return time.Duration(c.Settings.Timeout)
}

// EffectiveRenderTimeout bounds rendering s in a browser: its own timeout
// when it sets one, else settings.render_timeout.
func (c *Config) EffectiveRenderTimeout(s *Source) time.Duration {
	if s.Timeout > 0 {
		return time.Duration(s.Timeout)
	}
	return time.Duration(c.Settings.RenderTimeout)
}

// Rendered returns the ids of the enabled sources loaded in a browser.
func (c *Config) Rendered() []string {
	var ids []string
	for _, s := range c.Sources {
		if s.rendersAny() && !s.Disabled {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Source returns the declared source with the given id, or nil.
func (c *Config) Source(id string) *Source {
	for i := range c.Sources {
		if c.Sources[i].ID == id {
			return &c.Sources[i]
		}
	}
	return nil
}

// Load reads and validates the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("config: %s does not exist: create it (see README) or pass --config", path)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Error lists every problem found in a configuration file.
type Error struct {
	Path     string
	Problems []Problem
}

// Problem is one mistake in a configuration file.
type Problem struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: %s", e.Path, p.Line, p.Msg)
		} else {
			fmt.Fprintf(&b, "%s: %s", e.Path, p.Msg)
		}
	}
	return b.String()
}

// Parse decodes and validates configuration data; path names it in errors.
func Parse(path string, data []byte) (*Config, error) {
	// Defaults first: the file overrides only the keys it sets, so an explicit
	// zero (retries: 0, host_delay: 0s) means zero.
	cfg := &Config{Path: path, Settings: defaultSettings, Mail: defaultMail}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// Keys and values that do not decode (an unknown key, a word where a
	// number goes) are problems to list with the rest: the decoder goes on
	// past them, and so does validation. A file that is not YAML at all
	// stops here, at the line where it breaks.
	var probs []Problem
	if err := dec.Decode(cfg); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, &Error{Path: path, Problems: []Problem{{Msg: "the file is empty: declare at least one source under 'sources:'"}}}
		case errors.As(err, &te):
			probs = yamlProblems(data, err)
		default:
			return nil, &Error{Path: path, Problems: yamlProblems(data, err)}
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Path: path, Problems: yamlProblems(data, err)}
	}
	lines := itemLines(&root, "sources")
	for i := range cfg.Sources {
		if i < len(lines) {
			cfg.Sources[i].Line = lines[i]
		}
	}
	setPageLines(&root, cfg.Sources)
	lines = itemLines(&root, "recipients")
	for i := range cfg.Recipients {
		if i < len(lines) {
			cfg.Recipients[i].Line = lines[i]
		}
	}
	lines = itemLines(&root, "webhooks")
	for i := range cfg.Webhooks {
		if i < len(lines) {
			cfg.Webhooks[i].Line = lines[i]
		}
	}
	normalize(cfg)
	normalizeMail(cfg)
	normalizeWebhooks(cfg)
	probs = append(probs, validate(cfg, keyLines(&root, "settings"))...)
	probs = append(probs, validateVariants(cfg)...)
	// Compiled to be checked, and to check the topics that sources and
	// recipients name; the taxonomy itself is the wiring's to build.
	tax, err := cfg.TopicsConfig().Compile()
	if err != nil {
		probs = append(probs, Problem{Line: keyLine(&root, "topics"), Msg: err.Error()})
	}
	probs = append(probs, validateMail(cfg, keyLines(&root, "mail"))...)
	probs = append(probs, validateWebhooks(cfg)...)
	if tax != nil {
		for _, src := range cfg.Sources {
			for _, id := range src.Topics {
				if !tax.Has(id) {
					probs = append(probs, Problem{Line: src.Line, Msg: fmt.Sprintf("source %q: topics: %q is not a topic (known: %s)", src.ID, id, topicIDs(tax))})
				}
			}
		}
		unknown := func(line int, who, key string, ids []string) {
			for _, id := range ids {
				if !tax.Has(id) {
					probs = append(probs, Problem{Line: line, Msg: fmt.Sprintf("%s: %s: %q is not a topic (known: %s)", who, key, id, topicIDs(tax))})
				}
			}
		}
		for _, r := range cfg.Recipients {
			unknown(r.Line, "recipient "+r.Address, "topics", r.Topics)
			unknown(r.Line, "recipient "+r.Address, "urgent", r.Urgent)
		}
		for _, w := range cfg.Webhooks {
			unknown(w.Line, "webhook "+w.Name, "topics", w.Topics)
			unknown(w.Line, "webhook "+w.Name, "urgent", w.Urgent)
		}
	}
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, &Error{Path: path, Problems: probs}
	}
	return cfg, nil
}

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	yamlLineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownRe  = regexp.MustCompile(`^field (\S+) not found in type (?:config|topics)\.(\w+)$`)
	notIntRe   = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into u?int\\d*$")
)

// yamlProblems turns the YAML library's messages into problems at their
// lines, each said as a person editing the file would want it said.
func yamlProblems(data []byte, err error) []Problem {
	var msgs []string
	var te *yaml.TypeError
	syntax := !errors.As(err, &te)
	if syntax {
		msgs = []string{err.Error()}
	} else {
		msgs = te.Errors
	}
	var probs []Problem
	for _, m := range msgs {
		line := 0
		m = strings.TrimPrefix(m, "yaml: ")
		if sm := yamlLineRe.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		if syntax {
			if l := brokenLine(data, m); l > 0 {
				line = l
			}
			m += syntaxHint(m)
		}
		if sm := unknownRe.FindStringSubmatch(m); sm != nil {
			m = fmt.Sprintf("unknown key %q in %s (known keys: %s)", sm[1], strings.ToLower(sm[2]), knownKeys(sm[2]))
		}
		if sm := notIntRe.FindStringSubmatch(m); sm != nil {
			m = fmt.Sprintf("%q is not a whole number", sm[1])
		}
		probs = append(probs, Problem{Line: line, Msg: m})
	}
	return probs
}

// brokenLine returns the line at which data stops being YAML with the
// problem msg, or 0. The library names the line where the enclosing list
// or mapping began (line 54 for a bad indentation at line 65): the first
// line whose prefix of the file fails with the same problem is the one to
// mend, since a prefix of a valid file is valid YAML.
func brokenLine(data []byte, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(n int) bool {
		var node yaml.Node
		err := yaml.Unmarshal(bytes.Join(lines[:n], nil), &node)
		return err != nil && strings.HasSuffix(err.Error(), ": "+msg)
	}
	n := sort.Search(len(lines), func(i int) bool { return fails(i + 1) }) + 1
	if n > len(lines) || !fails(n) {
		return 0
	}
	return n
}

// syntaxHint says how to mend the YAML syntax errors a hand-edited file
// most often has.
func syntaxHint(msg string) string {
	switch msg {
	case "did not find expected '-' indicator", "did not find expected key",
		"block sequence entries are not allowed in this context":
		return ": check this line's indentation: it lines up with the keys (or the - items) it belongs with"
	case "mapping values are not allowed in this context":
		return ": check this line's indentation, or quote a value that holds \": \""
	case "found character that cannot start any token", "found a tab character that violates indentation":
		return ": YAML indents with spaces, never tabs; quote a value that starts with @ or `"
	}
	return ""
}

func knownKeys(typ string) string {
	switch typ {
	case "Config":
		return "settings, sources, topics, mail, recipients, webhooks"
	case "Mail":
		return "from, subject_prefix, base_url, outbox, templates, schedule, smtp"
	case "SMTP":
		return "host, port, tls, username, password_env, timeout (the password itself comes from the environment variable named by password_env)"
	case "Recipient":
		return "name, address, topics, sources, time_zone, skip_empty, min_importance, urgent"
	case "Webhook":
		return "name, url, secret_env, format, send, topics, sources, min_importance, urgent, timeout (the secret itself comes from the environment variable named by secret_env)"
	case "Settings":
		return "user_agent, timeout, connect_timeout, max_body, max_redirects, retries, retry_backoff, host_delay, concurrency, min_words, no_default_topics, schedule, feed_schedule, jitter, alert_after, shutdown_grace, lease_ttl, browser, browser_tabs, render_timeout"
	case "Spec":
		return "id, name, terms, phrases, patterns, exclude, replace, disabled"
	case "Source":
		return "id, name, kind, url, select, remove, jurisdiction, document, headers, disabled, min_words, timeout, schedule, notes, render, pages, include, topics, exclude, enrich, enrich_select"
	case "Page":
		return "url, select, remove, render (every other setting is the source's)"
	}
	return "see README"
}

func topicIDs(tax *topics.Taxonomy) string { return strings.Join(tax.IDs(), ", ") }

// keyLine returns the line of a top-level key, or 0.
func keyLine(root *yaml.Node, key string) int {
	return keyLines(root, key)[""]
}

// keyLines returns the line of a top-level key under "", and the line of
// each key of the mapping it holds; a key not in the file is on the
// line of the top-level key (0 when that is missing too).
func keyLines(root *yaml.Node, key string) keyPlaces {
	ls := keyPlaces{}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return ls
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key {
			continue
		}
		ls[""] = m.Content[i].Line
		if v := m.Content[i+1]; v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				ls[v.Content[j].Value] = v.Content[j].Line
			}
			// smtp's keys, one level down, as "smtp.host"
			for j := 0; j+1 < len(v.Content); j += 2 {
				if sub := v.Content[j+1]; sub.Kind == yaml.MappingNode {
					for k := 0; k+1 < len(sub.Content); k += 2 {
						ls[v.Content[j].Value+"."+sub.Content[k].Value] = sub.Content[k].Line
					}
				}
			}
		}
		break
	}
	return ls
}

// keyPlaces are the lines of the keys of a section (see keyLines).
type keyPlaces map[string]int

// of returns the line of the first of keys found in the file, or else the
// section's.
func (ls keyPlaces) of(keys ...string) int {
	for _, k := range keys {
		if l, ok := ls[k]; ok {
			return l
		}
		if i := strings.LastIndexByte(k, '.'); i > 0 {
			if l, ok := ls[k[:i]]; ok {
				return l
			}
		}
	}
	return ls[""]
}

// itemLines returns the line of each item of the top-level list key.
func itemLines(root *yaml.Node, key string) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != key || m.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		var lines []int
		for _, item := range m.Content[i+1].Content {
			lines = append(lines, item.Line)
		}
		return lines
	}
	return nil
}

// normalize fills in what the file may leave out, once it is valid.
func normalize(cfg *Config) {
	// More than 10 retries wait hours (each twice as long as the one
	// before): a larger value counts as 10, so that files valid before
	// this limit still load.
	cfg.Settings.Retries = min(cfg.Settings.Retries, 10)
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.Name == "" {
			src.Name = src.ID
		}
		if len(src.EnrichSelect) > 0 {
			src.Enrich = true
		}
	}
}

// validate reports every problem of cfg, in the order of the file; it
// changes nothing.
func validate(cfg *Config, at keyPlaces) []Problem {
	var probs []Problem
	add := func(line int, format string, args ...any) {
		probs = append(probs, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	s := cfg.Settings
	for _, d := range []struct {
		key      string
		v        Duration
		positive bool
	}{
		{"timeout", s.Timeout, true}, {"connect_timeout", s.ConnectTimeout, true}, {"render_timeout", s.RenderTimeout, true},
		{"related_window", s.RelatedWindow, true},
		{"host_delay", s.HostDelay, false}, {"retry_backoff", s.RetryBackoff, false},
		{"jitter", s.Jitter, false}, {"alert_after", s.AlertAfter, false}, {"shutdown_grace", s.ShutdownGrace, false},
		{"lease_ttl", s.LeaseTTL, false},
	} {
		switch {
		case d.positive && d.v <= 0:
			add(at.of(d.key), "settings: %s must be positive", d.key)
		case d.v < 0:
			add(at.of(d.key), "settings: %s must not be negative", d.key)
		}
	}
	if s.MaxBody <= 0 {
		add(at.of("max_body"), "settings: max_body must be positive")
	}
	if s.MemoryLimit < 0 {
		add(at.of("memory_limit"), "settings: memory_limit must not be negative (0: no limit)")
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"max_redirects", s.MaxRedirects}, {"retries", s.Retries}, {"min_words", s.MinWords}} {
		if n.v < 0 {
			add(at.of(n.key), "settings: %s must not be negative", n.key)
		}
	}
	if s.Concurrency < 1 {
		add(at.of("concurrency"), "settings: concurrency must be at least 1")
	}
	if s.BrowserTabs < 1 {
		add(at.of("browser_tabs"), "settings: browser_tabs must be at least 1")
	}
	for _, sc := range []struct{ key, expr string }{{"schedule", s.Schedule}, {"feed_schedule", s.FeedSchedule}} {
		if _, err := ParseSchedule(sc.expr); err != nil {
			add(at.of(sc.key), "settings: %s %q: %v (write a cron expression like \"0 */6 * * *\" or @every 6h)", sc.key, sc.expr, err)
		}
	}
	if len(cfg.Sources) == 0 {
		add(0, "no sources declared: add at least one under 'sources:'")
	}
	seen := map[string]int{}
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		where := fmt.Sprintf("source %q", src.ID)
		if src.ID == "" {
			where = fmt.Sprintf("source #%d", i+1)
			add(src.Line, "%s: id is required", where)
		} else if !idPattern.MatchString(src.ID) {
			add(src.Line, "%s: id may only hold lowercase letters, digits and '-', starting with a letter or digit", where)
		}
		if first, dup := seen[src.ID]; dup && src.ID != "" {
			add(src.Line, "duplicate source id %q (first declared at line %d)", src.ID, first)
		} else {
			seen[src.ID] = src.Line
		}
		switch src.Kind {
		case KindPage, KindFeed:
		case "":
			add(src.Line, "%s: kind is required (page or feed)", where)
		default:
			add(src.Line, "%s: kind %q is not one of page, feed", where, src.Kind)
		}
		defaultURL(src)
		if u, err := url.Parse(src.URL); src.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(src.Line, "%s: url must be an absolute http:// or https:// address, got %q", where, src.URL)
		}
		validatePages(src, where, add)
		if src.Kind == KindPage && len(src.Select) == 0 && !src.Combined() {
			add(src.Line, "%s: select is required for a page: the CSS selector of the legally relevant part", where)
		}
		if src.Kind == KindFeed && (len(src.Select) > 0 || len(src.Remove) > 0) {
			add(src.Line, "%s: select and remove apply to pages; for a feed use include, topics, exclude or enrich_select", where)
		}
		if src.Kind == KindPage && (len(src.Include)+len(src.Exclude) > 0 || src.Enrich || len(src.EnrichSelect) > 0) {
			add(src.Line, "%s: include, exclude and enrich apply to feeds", where)
		}
		switch {
		case src.Render != "" && src.Render != RenderBrowser:
			add(src.Line, "%s: render %q is not known: write render: browser for a page rendered by scripts, or leave it out", where, src.Render)
		case src.Render != "" && src.Kind == KindFeed:
			add(src.Line, "%s: render applies to pages, not feeds", where)
		}
		for _, list := range []struct {
			key  string
			sels StringList
		}{{"select", src.Select}, {"remove", src.Remove}, {"enrich_select", src.EnrichSelect}} {
			for _, sel := range list.sels {
				if _, err := cascadia.ParseGroup(sel); err != nil {
					add(src.Line, "%s: %s: invalid CSS selector %q: %v", where, list.key, sel, err)
				}
			}
		}
		if src.Kind == KindFeed && len(src.RedirectHosts) > 0 {
			add(src.Line, "%s: redirect_hosts applies to pages: a feed follows its redirects", where)
		}
		for _, h := range src.RedirectHosts {
			if u, err := url.Parse("http://" + h); h != "*" && (err != nil || u.Host != h || strings.Contains(h, "/")) {
				add(src.Line, "%s: redirect_hosts: %q is not a host name: write it like login.example.com, or * for any host", where, h)
			}
		}
		if src.MinWords != nil && *src.MinWords < 0 {
			add(src.Line, "%s: min_words must not be negative", where)
		}
		if src.Timeout < 0 {
			add(src.Line, "%s: timeout must not be negative", where)
		}
		if src.Schedule != "" {
			if _, err := ParseSchedule(src.Schedule); err != nil {
				add(src.Line, "%s: schedule %q: %v (write a cron expression like \"0 */6 * * *\" or @every 6h)", where, src.Schedule, err)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(src.Headers)) {
			v := src.Headers[k]
			switch {
			case !httpguts.ValidHeaderFieldName(k):
				add(src.Line, "%s: headers: %q is not a valid header name", where, k)
			case !httpguts.ValidHeaderFieldValue(v):
				add(src.Line, "%s: headers: the value of %s holds a line break or a control character", where, k)
			}
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return probs
}

// Subject returns the subject topics the page source id declares, nil
// when it declares none or is not declared: see Source.Topics.
func (c *Config) Subject(id string) []string {
	if c == nil {
		return nil
	}
	if s := c.Source(id); s != nil && s.Kind == KindPage && len(s.Topics) > 0 {
		return s.Topics
	}
	return nil
}
