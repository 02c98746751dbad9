package config

import "fmt"

// validateVariants checks the variant_of keys: each names another declared
// page, and following them never comes back to where it started.
func validateVariants(cfg *Config) []Problem {
	var probs []Problem
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.VariantOf == "" {
			continue
		}
		where := fmt.Sprintf("source %q: variant_of", src.ID)
		of := cfg.Source(src.VariantOf)
		switch {
		case src.VariantOf == src.ID:
			probs = append(probs, Problem{Line: src.Line, Msg: where + ": a source is not a variant of itself: name the source it is the regional variant of"})
			continue
		case of == nil:
			probs = append(probs, Problem{Line: src.Line, Msg: fmt.Sprintf("%s: %q is not a declared source: name the id of the document this one is a regional variant of", where, src.VariantOf)})
			continue
		case src.Kind == KindFeed || of.Kind == KindFeed:
			probs = append(probs, Problem{Line: src.Line, Msg: where + ": variants are pages (documents), not feeds"})
			continue
		}
		seen := map[string]bool{src.ID: true}
		for at := of; at != nil && at.VariantOf != ""; at = cfg.Source(at.VariantOf) {
			if seen[at.VariantOf] {
				probs = append(probs, Problem{Line: src.Line, Msg: fmt.Sprintf("%s: %q leads back to %q: the variants go round in a circle; let one of them (the main one) have no variant_of", where, src.VariantOf, at.VariantOf)})
				break
			}
			seen[at.ID] = true
		}
	}
	return probs
}

// root follows variant_of from id to the source that is no variant.
func (c *Config) root(id string) string {
	seen := map[string]bool{}
	for {
		s := c.Source(id)
		if s == nil || s.VariantOf == "" || seen[id] {
			return id
		}
		seen[id] = true
		id = s.VariantOf
	}
}

// Siblings returns the other regional variants of source id, in the order
// of the file: those it is a variant of, those that are variants of it, and
// so on. Nil when it has none or c is nil.
func (c *Config) Siblings(id string) []string {
	if c == nil || c.Source(id) == nil {
		return nil
	}
	r := c.root(id)
	var out []string
	for _, s := range c.Sources {
		if s.ID != id && c.root(s.ID) == r && (s.ID == r || s.VariantOf != "") {
			out = append(out, s.ID)
		}
	}
	return out
}
