package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tracker"
	"tracker/internal/diff"
	"tracker/internal/digest"
)

// Payload is the body of a webhook in the json format (the README,
// "Webhooks", lists its fields).
type Payload struct {
	// Event is change, urgent or digest.
	Event    tracker.DeliveryKind `json:"event"`
	Delivery string               `json:"delivery"`
	Webhook  string               `json:"webhook"`
	// Change is set for change and urgent, Digest for digest.
	Change *Change `json:"change,omitempty"`
	Digest *Digest `json:"digest,omitempty"`
}

// Change is a change as a digest shows it.
type Change struct {
	Source     string             `json:"source"`
	SourceName string             `json:"source_name"`
	FromSeq    int                `json:"from_seq"`
	ToSeq      int                `json:"to_seq"`
	DetectedAt string             `json:"detected_at"`
	Importance tracker.Importance `json:"importance"`
	// Topic is the topic it is filed under ("" for none).
	Topic    string     `json:"topic"`
	Topics   []Evidence `json:"topics"`
	Reason   string     `json:"reason"`
	Summary  string     `json:"summary"`
	Passages []Passage  `json:"passages"`
	// More counts the passages left out.
	More int `json:"more"`
	// Note says when the change returns to an earlier text, or folds a
	// document going back and forth (Switches changes).
	Note     string `json:"note"`
	Switches int    `json:"switches"`
	// DiffURL is "" when mail.base_url is not set.
	DiffURL string `json:"diff_url"`
}

// Evidence is a topic with the words that justify it.
type Evidence struct {
	Topic   string   `json:"topic"`
	Name    string   `json:"name"`
	Words   []string `json:"words"`
	Context bool     `json:"context"`
}

// Passage is one changed place: where, what it does, and the changed words
// ([-removed-] {+added+}).
type Passage struct {
	Label  string `json:"label"`
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

// Digest is a digest's window and its entries.
type Digest struct {
	WindowStart string   `json:"window_start"`
	WindowEnd   string   `json:"window_end"`
	Headline    string   `json:"headline"`
	Quiet       bool     `json:"quiet"`
	Changes     []Change `json:"changes"`
	Items       []Item   `json:"items"`
	// Hidden counts the changes below the webhook's importance.
	Hidden int `json:"hidden"`
}

// Item is a regulator item of a digest.
type Item struct {
	Source  string     `json:"source"`
	Title   string     `json:"title"`
	Date    string     `json:"date"`
	Link    string     `json:"link"`
	Excerpt string     `json:"excerpt"`
	Topics  []Evidence `json:"topics"`
	Updated bool       `json:"updated"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func newChange(e digest.Entry, sourceName string) Change {
	c := Change{
		Source: e.Change.SourceID, SourceName: sourceName, FromSeq: e.Change.FromSeq, ToSeq: e.Change.ToSeq,
		DetectedAt: stamp(e.Last.DetectedAt), Importance: e.Importance, Topic: e.Topic, Topics: evidence(e.Topics),
		Reason: e.Reason, Summary: e.Summary, Passages: passages(e.Passages), More: e.More, Note: e.Note, Switches: e.Switches, DiffURL: e.DiffURL,
	}
	if e.Last.DetectedAt.IsZero() {
		c.DetectedAt = stamp(e.Change.DetectedAt)
	}
	return c
}

func evidence(es []digest.Evidence) []Evidence {
	out := []Evidence{}
	for _, e := range es {
		out = append(out, Evidence{Topic: e.Topic, Name: e.Name, Words: append([]string{}, e.Words...), Context: e.Context})
	}
	return out
}

// newDigest is d with its changes as entries (the same as a change
// webhook's), and names the sources as name does.
func newDigest(d *digest.Digest, entries []digest.Entry, hidden int, name func(string) string) *Digest {
	out := &Digest{WindowStart: stamp(d.Start), WindowEnd: stamp(d.End), Headline: d.Headline, Quiet: d.Quiet,
		Changes: []Change{}, Items: []Item{}, Hidden: hidden}
	for _, e := range entries {
		out.Changes = append(out.Changes, newChange(e, name(e.Change.SourceID)))
	}
	for _, s := range d.Sections {
		for _, r := range s.Regulators {
			for _, it := range r.Items {
				out.Items = append(out.Items, Item{Source: r.SourceID, Title: it.Title, Date: it.Date, Link: it.Link, Excerpt: it.Excerpt,
					Topics: evidence(it.Topics), Updated: it.Updated})
			}
		}
	}
	return out
}

func passages(ps []digest.Passage) []Passage {
	out := []Passage{}
	for _, p := range ps {
		out = append(out, Passage{Label: p.Label, Reason: p.Reason, Text: diff.PartsText(p.Parts)})
	}
	return out
}

// title is a change in a line: "Major change to TikTok Privacy Policy
// (privacy)".
func (c Change) title(urgent bool) string {
	var topics []string
	for _, t := range c.Topics {
		topics = append(topics, t.Name)
	}
	s := fmt.Sprintf("%s change to %s", capitalize(string(c.Importance)), c.SourceName)
	if urgent {
		s = "Urgent: " + s
	}
	if len(topics) > 0 {
		s += " (" + strings.Join(topics, ", ") + ")"
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// body renders p in format f.
func body(f tracker.WebhookFormat, p Payload, prefix string) ([]byte, error) {
	switch f {
	case tracker.FormatSlack:
		return json.Marshal(slack(p, prefix))
	case tracker.FormatTeams:
		return json.Marshal(teams(p, prefix))
	}
	return json.Marshal(p)
}

// slackEscape escapes what Slack's mrkdwn reads as markup.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func slackChange(c Change, urgent bool) []slackBlock {
	head := "*" + slackEscape.Replace(c.title(urgent)) + "*"
	if c.DiffURL != "" {
		head = fmt.Sprintf("*<%s|%s>*", c.DiffURL, slackEscape.Replace(c.title(urgent)))
	}
	text := head
	if c.Reason != "" {
		text += "\n" + slackEscape.Replace(c.Reason)
	}
	for _, p := range c.Passages {
		text += fmt.Sprintf("\n• _%s_ — %s\n> %s", slackEscape.Replace(p.Label), slackEscape.Replace(p.Reason), slackEscape.Replace(truncate(p.Text, 400)))
	}
	blocks := []slackBlock{{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(text, 2900)}}}
	if c.Note != "" {
		blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: slackEscape.Replace(c.Note)}}})
	}
	return blocks
}

func slack(p Payload, prefix string) slackMessage {
	switch {
	case p.Change != nil:
		return slackMessage{Text: prefix + ": " + p.Change.title(p.Event == tracker.DeliverUrgent), Blocks: slackChange(*p.Change, p.Event == tracker.DeliverUrgent)}
	case p.Digest != nil:
		m := slackMessage{Text: fmt.Sprintf("%s: %s (%s – %s)", prefix, p.Digest.Headline, p.Digest.WindowStart[:10], p.Digest.WindowEnd[:10])}
		m.Blocks = append(m.Blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(m.Text, 150)}})
		for _, c := range p.Digest.Changes {
			if len(m.Blocks) >= 45 { // Slack takes 50 blocks
				break
			}
			m.Blocks = append(m.Blocks, slackChange(c, false)...)
		}
		if len(p.Digest.Items) > 0 {
			var b strings.Builder
			for _, it := range p.Digest.Items {
				if it.Link != "" {
					fmt.Fprintf(&b, "• <%s|%s> (%s)\n", it.Link, slackEscape.Replace(it.Title), it.Date)
				} else {
					fmt.Fprintf(&b, "• %s (%s)\n", slackEscape.Replace(it.Title), it.Date)
				}
			}
			m.Blocks = append(m.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate("*Regulator items*\n"+b.String(), 2900)}})
		}
		return m
	}
	return slackMessage{Text: prefix}
}

// teamsMessage is what a Teams Workflows incoming webhook takes: a message
// with an Adaptive Card.
type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string        `json:"$schema"`
	Type    string        `json:"type"`
	Version string        `json:"version"`
	Body    []teamsBlock  `json:"body"`
	Actions []teamsAction `json:"actions,omitempty"`
}

type teamsBlock struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Wrap   bool   `json:"wrap"`
	Weight string `json:"weight,omitempty"`
	Size   string `json:"size,omitempty"`
	Color  string `json:"color,omitempty"`
}

type teamsAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

func teamsChange(c Change, urgent bool) ([]teamsBlock, []teamsAction) {
	b := teamsBlock{Type: "TextBlock", Text: c.title(urgent), Wrap: true, Weight: "Bolder"}
	if urgent {
		b.Color = "Attention"
	}
	blocks := []teamsBlock{b}
	if c.Reason != "" {
		blocks = append(blocks, teamsBlock{Type: "TextBlock", Text: c.Reason, Wrap: true})
	}
	for _, p := range c.Passages {
		blocks = append(blocks, teamsBlock{Type: "TextBlock", Text: p.Label + " — " + p.Reason + ": " + truncate(p.Text, 400), Wrap: true, Size: "Small"})
	}
	var actions []teamsAction
	if c.DiffURL != "" {
		actions = append(actions, teamsAction{Type: "Action.OpenUrl", Title: "View the diff: " + c.SourceName, URL: c.DiffURL})
	}
	return blocks, actions
}

func teams(p Payload, prefix string) teamsMessage {
	card := teamsCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4"}
	switch {
	case p.Change != nil:
		card.Body, card.Actions = teamsChange(*p.Change, p.Event == tracker.DeliverUrgent)
	case p.Digest != nil:
		card.Body = []teamsBlock{{Type: "TextBlock", Text: fmt.Sprintf("%s: %s (%s – %s)", prefix, p.Digest.Headline, p.Digest.WindowStart[:10], p.Digest.WindowEnd[:10]),
			Wrap: true, Weight: "Bolder", Size: "Medium"}}
		for _, c := range p.Digest.Changes {
			b, a := teamsChange(c, false)
			card.Body = append(card.Body, b...)
			if len(card.Actions) < 5 {
				card.Actions = append(card.Actions, a...)
			}
		}
		for _, it := range p.Digest.Items {
			card.Body = append(card.Body, teamsBlock{Type: "TextBlock", Text: fmt.Sprintf("[%s](%s) (%s)", it.Title, it.Link, it.Date), Wrap: true, Size: "Small"})
		}
	}
	return teamsMessage{Type: "message", Attachments: []teamsAttachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: card}}}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
