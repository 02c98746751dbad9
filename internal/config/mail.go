package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"tracker"
)

// ParseSchedule reads a schedule of sources.yaml: five fields (minute hour
// day-of-month month day-of-week) or descriptors such as @daily and
// @every 6h. It also checks that the schedule comes round: the cron library
// takes "0 0 30 2 *" (30 February), which never comes, and turns
// "@every 1ms" or "@every -1h" into every second; either would have the
// daemon fetch a site without pause.
func ParseSchedule(expr string) (cron.Schedule, error) {
	sched, err := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor).Parse(expr)
	if err != nil {
		return nil, err
	}
	if i := strings.Index(expr, "@every"); i >= 0 {
		d, err := time.ParseDuration(strings.TrimSpace(expr[i+len("@every"):]))
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("@every needs a positive duration of at least a second, like @every 6h")
		}
	}
	if sched.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("it never comes round")
	}
	return sched, nil
}

// normalizeMail fills in the mail settings and recipients' defaults:
// the port of the TLS mode, addresses as written without a display name,
// time zones loaded, minor as the least importance shown.
func normalizeMail(cfg *Config) {
	m := &cfg.Mail
	if m.SMTP.Port == 0 {
		m.SMTP.Port = map[string]int{"tls": 465, "starttls": 587, "none": 25}[m.SMTP.TLS]
	}
	for i := range cfg.Recipients {
		r := &cfg.Recipients[i]
		if a, err := mail.ParseAddress(r.Address); err == nil {
			r.Address = a.Address
			if r.Name == "" {
				r.Name = a.Name
			}
		}
		r.Location = time.UTC
		if loc, err := time.LoadLocation(r.TimeZone); err == nil && r.TimeZone != "" {
			r.Location = loc
		}
		if r.MinImportance == "" {
			r.MinImportance = tracker.Minor
		}
	}
}

// validateMail reports the problems of the mail settings and recipients.
func validateMail(cfg *Config, at keyPlaces) []Problem {
	var probs []Problem
	add := func(line int, format string, args ...any) {
		probs = append(probs, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	m := &cfg.Mail
	if _, err := mail.ParseAddress(m.From); err != nil {
		add(at.of("from"), "mail: from: %q is not an address: write it like \"Tracker <tracker@example.com>\"", m.From)
	}
	if m.BaseURL != "" {
		if u, err := url.Parse(m.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(at.of("base_url"), "mail: base_url must be an http:// or https:// address, got %q", m.BaseURL)
		}
	}
	// Digests follow a calendar, at least once a year (a window ends at the
	// latest scheduled time of the past year).
	sched, err := ParseSchedule(m.Schedule)
	if err == nil {
		if _, every := sched.(cron.ConstantDelaySchedule); every || strings.Contains(m.Schedule, "@every") {
			err = fmt.Errorf("not a calendar")
		} else if n := sched.Next(time.Now()); sched.Next(n).Sub(n) > 366*24*time.Hour {
			err = fmt.Errorf("not every year")
		}
	}
	if err != nil {
		add(at.of("schedule"), "mail: schedule %q: digests follow a calendar, at least once a year, in each recipient's time zone: write a cron expression like \"0 8 * * 1\" (Mondays at 08:00)", m.Schedule)
	}
	switch m.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		add(at.of("smtp.tls"), "mail: smtp: tls is one of starttls, tls, none; got %q", m.SMTP.TLS)
	}
	if m.SMTP.Port < 0 || m.SMTP.Port > 65535 {
		add(at.of("smtp.port"), "mail: smtp: port %d is not a port", m.SMTP.Port)
	}
	if m.SMTP.Timeout <= 0 {
		add(at.of("smtp.timeout"), "mail: smtp: timeout must be positive")
	}
	seen := map[string]int{}
	for i := range cfg.Recipients {
		r := &cfg.Recipients[i]
		who := fmt.Sprintf("recipient #%d", i+1)
		if _, err := mail.ParseAddress(r.Address); err != nil {
			add(r.Line, "%s: address %q is not an e-mail address", who, r.Address)
		} else {
			who = "recipient " + r.Address
		}
		if first, dup := seen[r.Address]; dup {
			add(r.Line, "%s is declared twice (first at line %d)", who, first)
		}
		seen[r.Address] = r.Line
		if r.TimeZone != "" {
			if _, err := time.LoadLocation(r.TimeZone); err != nil {
				add(r.Line, "%s: time_zone %q is not a time zone: use an IANA name such as Europe/Paris", who, r.TimeZone)
			}
		}
		switch r.MinImportance {
		case "", tracker.Cosmetic, tracker.Minor, tracker.Major:
		default:
			add(r.Line, "%s: min_importance is one of cosmetic, minor, major; got %q", who, r.MinImportance)
		}
		for _, id := range r.Sources {
			if cfg.Source(id) == nil {
				add(r.Line, "%s: sources: %q is not a declared source", who, id)
			}
		}
	}
	return probs
}
