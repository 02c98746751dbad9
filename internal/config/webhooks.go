package config

import (
	"fmt"
	"net/url"
	"time"

	"tracker"
)

// Webhook is an HTTP endpoint that receives each change as it is detected
// (send: change) or each digest (send: digest), signed with a secret.
type Webhook struct {
	// Name identifies the webhook in the delivery ledger.
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
	// SecretEnv names the environment variable holding the HMAC secret:
	// it never comes from this file. Empty: the requests are not signed.
	SecretEnv string `yaml:"secret_env"`
	// Format is json (the default), slack or teams.
	Format tracker.WebhookFormat `yaml:"format"`
	// Send is change (the default: one request per change as detected) or
	// digest (one per digest, on mail.schedule).
	Send tracker.DeliveryKind `yaml:"send"`
	// Topics, Sources and MinImportance filter as a recipient's do.
	Topics        []string           `yaml:"topics"`
	Sources       []string           `yaml:"sources"`
	MinImportance tracker.Importance `yaml:"min_importance"`
	// Urgent, for a digest webhook, lists topics whose major changes are
	// sent as they are detected, besides the digest.
	Urgent []string `yaml:"urgent"`
	// Timeout bounds one request (default 10s).
	Timeout Duration `yaml:"timeout"`

	Line int `yaml:"-"`
}

// Webhook returns the webhook with the given name, or nil.
func (c *Config) Webhook(name string) *Webhook {
	for i := range c.Webhooks {
		if c.Webhooks[i].Name == name {
			return &c.Webhooks[i]
		}
	}
	return nil
}

func normalizeWebhooks(cfg *Config) {
	for i := range cfg.Webhooks {
		w := &cfg.Webhooks[i]
		if w.Format == "" {
			w.Format = tracker.FormatJSON
		}
		if w.Send == "" {
			w.Send = tracker.DeliverChange
		}
		if w.MinImportance == "" {
			w.MinImportance = tracker.Minor
		}
		if w.Timeout == 0 {
			w.Timeout = Duration(10 * time.Second)
		}
	}
}

func validateWebhooks(cfg *Config) []Problem {
	var probs []Problem
	add := func(line int, format string, args ...any) {
		probs = append(probs, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	seen := map[string]int{}
	for i := range cfg.Webhooks {
		w := &cfg.Webhooks[i]
		who := fmt.Sprintf("webhook #%d", i+1)
		if !idPattern.MatchString(w.Name) {
			add(w.Line, "%s: name %q must be lowercase letters, digits and dashes (it names the webhook in tracker deliveries)", who, w.Name)
		} else {
			who = "webhook " + w.Name
		}
		if first, dup := seen[w.Name]; dup {
			add(w.Line, "%s is declared twice (first at line %d)", who, first)
		}
		seen[w.Name] = w.Line
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(w.Line, "%s: url must be an http:// or https:// address, got %q", who, w.URL)
		}
		switch w.Format {
		case tracker.FormatJSON, tracker.FormatSlack, tracker.FormatTeams:
		default:
			add(w.Line, "%s: format is one of json, slack, teams; got %q", who, w.Format)
		}
		switch w.Send {
		case tracker.DeliverChange:
			if len(w.Urgent) > 0 {
				add(w.Line, "%s: urgent is for a webhook with send: digest; this one sends every change as it is detected already", who)
			}
		case tracker.DeliverDigest:
		default:
			add(w.Line, "%s: send is change or digest; got %q", who, w.Send)
		}
		switch w.MinImportance {
		case tracker.Cosmetic, tracker.Minor, tracker.Major:
		default:
			add(w.Line, "%s: min_importance is one of cosmetic, minor, major; got %q", who, w.MinImportance)
		}
		if w.Timeout <= 0 {
			add(w.Line, "%s: timeout must be positive", who)
		}
		for _, id := range w.Sources {
			if cfg.Source(id) == nil {
				add(w.Line, "%s: sources: %q is not a declared source", who, id)
			}
		}
	}
	return probs
}
