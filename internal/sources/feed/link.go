package feed

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// trackingParams are query parameters that only say how a reader arrived
// (campaign, click and mail-list ids); they never select a different page.
// Names are compared lower-cased; every "utm_" parameter is tracking too.
var trackingParams = map[string]bool{
	"mkt_tok": true, "fbclid": true, "gclid": true, "gclsrc": true, "dclid": true,
	"gbraid": true, "wbraid": true, "msclkid": true, "yclid": true, "twclid": true,
	"ttclid": true, "li_fat_id": true, "igshid": true, "mc_cid": true, "mc_eid": true,
	"_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true, "__hsfp": true,
	"hsctatracking": true, "_ga": true, "_gl": true, "oly_anon_id": true,
	"oly_enc_id": true, "vero_id": true, "vero_conv": true, "wickedid": true,
	"rb_clickid": true, "s_cid": true, "xtor": true, "at_medium": true,
	"at_campaign": true, "ncid": true, "sr_share": true, "echobox": true,
}

func isTracking(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "utm_") || trackingParams[n]
}

// addThisFragment matches the "#.XyZ12abC" fragments the AddThis share
// widget appends to every URL.
var addThisFragment = regexp.MustCompile(`^\.[A-Za-z0-9_-]{8,}$`)

// CleanLink returns raw with tracking parameters removed and the remaining
// query parameters in a canonical order (sorted by name, stable for repeated
// names, each pair kept byte for byte), the scheme and host lower-cased and
// a default port dropped. The fragment is kept when it is an anchor, since
// two items may point at two sections of one page, and dropped when it only
// carries tracking ("#utm_source=rss", "#xtor=RSS-1", AddThis "#.Xy12abCd")
// or is empty. A string that is not an absolute http(s) URL is returned
// trimmed but otherwise unchanged.
func CleanLink(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return raw
	}
	u.Scheme = scheme
	u.Host = strings.ToLower(u.Host)
	if (scheme == "http" && u.Port() == "80") || (scheme == "https" && u.Port() == "443") {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") { // IPv6 literal
			u.Host = "[" + u.Host + "]"
		}
	}

	u.RawQuery = cleanQuery(u.RawQuery, false)
	u.ForceQuery = false
	if frag := u.EscapedFragment(); frag != "" {
		if addThisFragment.MatchString(frag) {
			frag = ""
		} else if strings.Contains(frag, "=") {
			frag = cleanQuery(frag, true)
		}
		switch {
		case frag == "":
			u.Fragment, u.RawFragment = "", ""
		case frag != u.EscapedFragment():
			if f, err := url.PathUnescape(frag); err == nil {
				u.Fragment, u.RawFragment = f, frag
			}
		}
	}
	return u.String()
}

// cleanQuery drops tracking pairs from an &-separated list. The rest are
// sorted by name unless keepOrder is set (fragments may be positional).
func cleanQuery(q string, keepOrder bool) string {
	if q == "" {
		return ""
	}
	type pair struct{ name, raw string }
	var kept []pair
	for p := range strings.SplitSeq(q, "&") {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if isTracking(name) {
			continue
		}
		kept = append(kept, pair{name, p})
	}
	if !keepOrder {
		slices.SortStableFunc(kept, func(a, b pair) int { return strings.Compare(a.name, b.name) })
	}
	parts := make([]string, len(kept))
	for i, p := range kept {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}
