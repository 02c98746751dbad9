package page

import (
	"bytes"
	"fmt"
	"html"
	"regexp"

	"tracker/internal/text"
)

// Block and challenge pages are often served with status 200. They are
// recognised by their title, or, on a page with little text, by the marks
// that bot-protection services leave in it.
var (
	blockTitle = regexp.MustCompile(`(?i)^(access denied|attention required|just a moment|security check|` +
		`are you a (robot|human)|verify(ing)? (you are|that you are) (a )?human|captcha|robot check|` +
		`pardon our interruption|request rejected|forbidden\W*$|403 forbidden|too many requests|` +
		`service unavailable|bot verification|ddos-guard|one more step|checking your browser|` +
		`please wait|human verification|access to this page has been denied)\b`)
	blockText = []string{
		"cf-chl-", "challenge-platform", "cf-browser-verification", "_incapsula_resource", "incapsula incident id",
		"px-captcha", "captcha-delivery.com", "/_sec/cp_challenge", "you don't have permission to access",
		"the requested url was rejected", "please enable javascript and cookies to continue",
		"enable cookies and reload the page", "verify you are human", "are you a robot",
		"access to this page has been denied", "unusual traffic from your computer network",
		"g-recaptcha", "h-captcha", "hcaptcha.com", "reference #18.", "request unsuccessful",
	}
)

// blockedByTitle explains why a page titled title is a block page, or
// returns "".
func blockedByTitle(title string) string {
	if blockTitle.MatchString(title) {
		return fmt.Sprintf("the site served a block or challenge page (titled %q) instead of the document; tracker will retry at the next check", title)
	}
	return ""
}

// blockedByContent explains why the page raw is a block page, or returns "". Only a
// page whose selection failed or came out nearly empty is looked at: a real
// document may well embed a captcha widget in its footer.
func blockedByContent(raw []byte) string {
	hay := bytes.ToLower(raw)
	for _, m := range blockText {
		if bytes.Contains(hay, []byte(m)) {
			return fmt.Sprintf("the site served a block or challenge page (it contains %q) instead of the document; tracker will retry at the next check", m)
		}
	}
	return ""
}

// BlockReason says why an HTML body is a block or challenge page, or returns
// "" when it does not look like one.
func BlockReason(body []byte, contentType string) string {
	utf8Body, err := Decode(body, contentType)
	if err != nil {
		return ""
	}
	if m := titleRe.FindSubmatch(utf8Body); m != nil {
		if r := blockedByTitle(text.Collapse(html.UnescapeString(string(m[1])))); r != "" {
			return r
		}
	}
	return blockedByContent(utf8Body)
}

var titleRe = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
