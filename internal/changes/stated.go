package changes

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"tracker"
)

// Date is a date as a document states it: Day is 0 when it names only a
// month ("Updated December 2022").
type Date struct {
	Year, Month, Day int
}

// String writes the date as YYYY-MM-DD, or YYYY-MM without a day.
func (d Date) String() string {
	if d.Day == 0 {
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// statedLabel is a label that dates a document, at the start of a line:
// English first, then the forms of a few other languages. What may follow
// it before the date: a colon, or a qualifier up to a colon ("Effective
// Date in EEA, UK, and Switzerland:"), and a preposition ("as of", "on",
// "le", "vom").
var statedLabel = regexp.MustCompile(`(?i)^(` + englishLabels + `|` +
	`zuletzt\s+(aktualisiert|geändert|überarbeitet)|letzte\s+(aktualisierung|änderung)|stand|gültig\s+ab|` +
	`dernière\s+(mise\s+à\s+jour|modification|révision)|derniere\s+mise\s+a\s+jour|mis\s+à\s+jour|date\s+d['’]entrée\s+en\s+vigueur|en\s+vigueur\s+(à\s+compter\s+du|depuis\s+le|au)|` +
	`última\s+(actualización|modificación|atualização|revisão)|fecha\s+de\s+(entrada\s+en\s+vigor|vigencia)|vigente\s+(desde|a\s+partir\s+de)|` +
	`ultimo\s+aggiornamento|data\s+di\s+entrata\s+in\s+vigore|in\s+vigore\s+dal|` +
	`laatst\s+(bijgewerkt|gewijzigd)|laatste\s+(wijziging|update)|van\s+kracht\s+(vanaf|per)|ingangsdatum` +
	`)\b\s*`)

// englishLabels are the labels of English; a date after any other is
// written day first (05/03/2024 is 5 March in French, German, Spanish...).
const englishLabels = `last\s+(updated|modified|revised|changed|amended|reviewed)|date\s+of\s+last\s+(update|revision|modification)|` +
	`effective(\s+date)?|updated|revised|modified|dated|version\s+date|date\s+of\s+(entry\s+into\s+force|effect)`

var englishLabel = regexp.MustCompile(`(?i)^(` + englishLabels + `)\b`)

// preposition is what may stand between a label and its date.
var preposition = regexp.MustCompile(`(?i)^((on|as\s+of|from|le|du|am|vom|ab|el|de|il|dal|op|per|em)\s+)?`)

// monthNumbers are the names of the months, in full and abbreviated, in
// the languages statedLabel reads.
var monthNumbers = map[string]int{}

func init() {
	for i, names := range [12]string{
		"january jan januar janvier janv enero ene gennaio januari janeiro jänner",
		"february feb februar février fevrier févr fevr fév febrero febbraio februari fevereiro",
		"march mar märz maerz mars marzo maart março",
		"april apr avr avril abril abr aprile",
		"may mai mayo maggio mei maio",
		"june jun juni juin junio giugno junho",
		"july jul juli juil juillet julio luglio julho",
		"august aug août aout ago agosto augustus",
		"september sep sept septembre septiembre settembre setembro",
		"october oct oktober octobre octubre ottobre oktober outubro okt",
		"november nov novembre noviembre novembro",
		"december dec déc dic dezember décembre decembre diciembre dicembre dezembro dez",
	} {
		for _, n := range strings.Fields(names) {
			monthNumbers[n] = i + 1
		}
	}
}

var (
	isoDate     = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	numericDate = regexp.MustCompile(`^(\d{1,2})([./])(\d{1,2})([./])(\d{4})\b`)
	dayMonth    = regexp.MustCompile(`(?i)^(\d{1,2})(st|nd|rd|th|er|\.)?\s+(de\s+)?(\p{L}+)\.?,?\s+(de\s+)?(\d{4})\b`)
	monthDay    = regexp.MustCompile(`(?i)^(\p{L}+)\.?\s+(\d{1,2})(st|nd|rd|th)?,?\s+(\d{4})\b`)
	monthYear   = regexp.MustCompile(`(?i)^(\p{L}+)\.?,?\s+(de\s+)?(\d{4})\b`)
	// markdownLink is a link as Markdown writes it: its text is kept.
	markdownLink = regexp.MustCompile(`\]\([^)]*\)`)
	markdownMark = strings.NewReplacer("*", "", "_", "", "[", "", "]", "", `\`, "", "#", "", ">", "", "|", " ", "(", "", ")", "")
)

// StatedDate reads the date a document states for itself ("Last updated:
// March 14, 2024", "Effective Date: 2023-07-01", "Updated December 2022",
// "Dernière mise à jour : 5 octobre 2021") from its text: the first line
// that starts with such a label followed by a date. It returns the date,
// the line as written, and whether it found one. A date a sentence speaks
// of ("changes take effect on December 15") is not the document's; nor is
// "Effective until" (an earlier version's end).
func StatedDate(text string) (Date, string, bool) {
	for line := range strings.Lines(text) {
		if len(line) > 300 {
			continue
		}
		raw := strings.TrimSpace(line)
		clean := markdownLink.ReplaceAllString(raw, "]")
		clean = strings.Join(strings.Fields(markdownMark.Replace(clean)), " ")
		clean = strings.TrimLeft(clean, "-•· ")
		m := statedLabel.FindStringIndex(clean)
		if m == nil {
			continue
		}
		rest := strings.TrimPrefix(clean[m[1]:], ":")
		dayFirst := !englishLabel.MatchString(clean)
		if d, ok := readDate(preposition.ReplaceAllString(strings.TrimSpace(rest), ""), dayFirst); ok {
			return d, raw, true
		}
		if i := strings.IndexByte(rest, ':'); i >= 0 && i <= 60 && !strings.ContainsAny(rest[:i], ".;") {
			if d, ok := readDate(preposition.ReplaceAllString(strings.TrimSpace(rest[i+1:]), ""), dayFirst); ok {
				return d, raw, true
			}
		}
	}
	return Date{}, "", false
}

// readDate reads a date at the start of s; dayFirst reads 05/03/2024 as
// 5 March, as every language but English writes it.
func readDate(s string, dayFirst bool) (Date, bool) {
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	valid := func(d Date) (Date, bool) {
		day := max(d.Day, 1)
		t := time.Date(d.Year, time.Month(d.Month), day, 0, 0, 0, 0, time.UTC)
		ok := d.Year >= 1990 && d.Year <= 2100 && d.Month >= 1 && d.Month <= 12 && d.Day >= 0 && t.Day() == day
		return d, ok
	}
	if m := isoDate.FindStringSubmatch(s); m != nil {
		return valid(Date{num(m[1]), num(m[2]), num(m[3])})
	}
	if m := numericDate.FindStringSubmatch(s); m != nil && m[2] == m[4] {
		a, b := num(m[1]), num(m[3])
		// 14.03.2024 is day first, as is 14/03/2024; 03/14/2024 and an
		// ambiguous 03/04/2024 are read as English writes them, month
		// first, unless the label is of another language.
		if m[2] == "." || a > 12 || dayFirst && b <= 12 {
			return valid(Date{num(m[5]), b, a})
		}
		return valid(Date{num(m[5]), a, b})
	}
	if m := dayMonth.FindStringSubmatch(s); m != nil {
		if mo := monthNumbers[strings.ToLower(m[4])]; mo > 0 {
			return valid(Date{num(m[6]), mo, num(m[1])})
		}
	}
	if m := monthDay.FindStringSubmatch(s); m != nil {
		if mo := monthNumbers[strings.ToLower(m[1])]; mo > 0 {
			return valid(Date{num(m[4]), mo, num(m[2])})
		}
	}
	if m := monthYear.FindStringSubmatch(s); m != nil {
		if mo := monthNumbers[strings.ToLower(m[1])]; mo > 0 {
			return valid(Date{num(m[3]), mo, 0})
		}
	}
	return Date{}, false
}

// Announce says what a change from old to new did to the date the
// document states for itself, substance saying whether the change is one
// of substance (not cosmetic): a change of substance under a date that did
// not move is unannounced; a date that moved over nothing of substance is
// redated. When either version states no date there is nothing to compare
// (undated): a version without one is mostly a broken capture, or the
// page before the document began to date itself.
func Announce(old, new string, substance bool) tracker.StatedDates {
	var s tracker.StatedDates
	before, bl, bok := StatedDate(old)
	after, al, aok := StatedDate(new)
	if bok {
		s.Before, s.BeforeLine = before.String(), bl
	}
	if aok {
		s.After, s.AfterLine = after.String(), al
	}
	moved := s.Before != s.After
	switch {
	case !aok || !bok:
		s.Announcement = tracker.Undated
	case substance && moved:
		s.Announcement = tracker.Announced
	case substance:
		s.Announcement = tracker.Unannounced
	case moved:
		s.Announcement = tracker.Redated
	default:
		s.Announcement = tracker.SameDate
	}
	return s
}

// statedLabelOf is the label of a date line as written ("Last updated",
// "Effective Date"), "" when it has none.
func statedLabelOf(line string) string {
	clean := markdownLink.ReplaceAllString(line, "]")
	clean = strings.TrimLeft(strings.Join(strings.Fields(markdownMark.Replace(clean)), " "), "-•· ")
	if m := statedLabel.FindString(clean); m != "" {
		return strings.TrimSpace(m)
	}
	return ""
}

// AnnouncementNote says in a line what a change did to the document's
// stated date, for a reader: why it is flagged, or that it was dated
// anew, or that the document states no date; "" when there is nothing to
// say (a change that is not one of substance, under the same date, or one
// recorded before tracker read stated dates).
func AnnouncementNote(c tracker.Change) string {
	s := c.Stated
	// what the date is called: the stated date, the “Last updated” date,
	// the “Effective Date”.
	label := "stated date"
	l := statedLabelOf(s.AfterLine)
	if l == "" {
		l = statedLabelOf(s.BeforeLine)
	}
	if l != "" {
		label = "“" + l + "” date"
		if strings.HasSuffix(strings.ToLower(l), "date") {
			label = "“" + l + "”"
		}
	}
	switch {
	case c.Technical:
		return ""
	case s.Announcement == tracker.Unannounced:
		return fmt.Sprintf("unannounced: the document's %s (%s) did not move", label, s.After)
	case s.Announcement == tracker.Redated:
		return fmt.Sprintf("redated: the document's %s moved (%s → %s), but nothing of substance changed", label, s.Before, s.After)
	case s.Announcement == tracker.Announced:
		return fmt.Sprintf("the document's %s moved (%s → %s)", label, s.Before, s.After)
	case s.Announcement == tracker.Undated && c.Importance != Cosmetic:
		if s.After != "" || s.Before != "" {
			return "only one of the two versions states a date"
		}
		return "no stated date"
	}
	return ""
}

// Unannounced reports whether a change is flagged unannounced: of
// substance (not cosmetic, not technical) under a stated date that did not
// move.
func Unannounced(c tracker.Change) bool {
	return !c.Technical && c.Importance != Cosmetic && c.Stated.Announcement == tracker.Unannounced
}

// Redated reports whether a change is flagged redated: the stated date
// moved over nothing of substance.
func Redated(c tracker.Change) bool {
	return !c.Technical && c.Stated.Announcement == tracker.Redated
}
