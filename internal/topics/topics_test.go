package topics

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// testSpecs is a small taxonomy whose behaviour the table tests pin down
// independently of the built-in vocabulary.
var testSpecs = []Spec{
	{ID: "net", Name: "Networking", Terms: []string{"ip", "ad", "cookie", "track", "GDPR", "policy"}},
	{ID: "choice", Name: "Choices", Phrases: []string{"opt out", "personal data", "personalised ads", "right-to-object"}, Exclude: []string{"cookie dough"}},
	{ID: "pat", Name: "Patterns", Patterns: []string{`\bsection\s+\d+\b`}},
}

func TestMatching(t *testing.T) {
	tx := mustCompile(t, testSpecs, []Spec{{ID: "net", Exclude: []string{"cookie dough"}}})
	tests := []struct {
		name string
		text string
		want map[string][]string // topic -> evidence; nil: nothing
	}{
		{"no ip inside ship", "The ship sailed.", nil},
		{"no ad inside made", "It was made in France; madeira.", nil},
		{"whole word ip", "Your IP is logged.", map[string][]string{"net": {"IP"}}},
		{"plural", "We use Cookies and other policies.", map[string][]string{"net": {"Cookies", "policies"}}},
		{"plural of a short word", "We show ads.", map[string][]string{"net": {"ads"}}},
		{"inflections", "tracking, tracked and tracks", map[string][]string{"net": {"tracking", "tracked", "tracks"}}},
		{"case", "gdpr and GDPR and Gdpr", map[string][]string{"net": {"gdpr"}}},
		{"possessive", "the policy's scope", map[string][]string{"net": {"policy's"}}},
		{"hyphen in text", "You can opt-out at any time.", map[string][]string{"choice": {"opt-out"}}},
		{"space in text", "You can OPT OUT at any time.", map[string][]string{"choice": {"OPT OUT"}}},
		{"phrase inflected", "You opted out.", map[string][]string{"choice": {"opted out"}}},
		{"hyphen in phrase, space in text", "a right to object", map[string][]string{"choice": {"right to object"}}},
		{"phrase across a line break", "your personal\n  data is", map[string][]string{"choice": {"personal data"}}},
		{"phrase across markup", "your **personal** data", map[string][]string{"choice": {"personal** data"}}},
		{"punctuation breaks a phrase", "Is it personal? Data is not.", nil},
		{"ise and ize", "personalized ads", map[string][]string{"choice": {"personalized ads"}, "net": {"ads"}}},
		{"not a prefix", "personalisedads", nil},
		{"exclude", "Bake the cookie dough.", nil},
		{"exclude only around its words", "Cookie dough aside, each cookie is logged.", map[string][]string{"net": {"cookie"}}},
		{"pattern, any case", "See SECTION 12 and section 13.", map[string][]string{"pat": {"SECTION 12", "section 13"}}},
		{"unicode apostrophe and letters", "Les données personnelles; the policy’s text", map[string][]string{"net": {"policy’s"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string][]string{}
			for _, m := range tx.Classify(tt.text) {
				got[m.Topic] = m.Evidence
			}
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Classify(%q) = %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	tx := mustCompile(t, Defaults(), nil)
	t.Run("deduplicated, longest first, capped", func(t *testing.T) {
		text := "Privacy matters. PRIVACY matters. We process personal data, Personal Data, cookies, " +
			"biometric data, precise location, your IP address and your device identifier under our privacy policy."
		m := tx.Classify(text)
		if len(m) != 1 || m[0].Topic != Privacy {
			t.Fatalf("Classify = %v, want privacy only", m)
		}
		ev := m[0].Evidence
		if len(ev) != MaxEvidence {
			t.Errorf("evidence %v: %d items, want %d", ev, len(ev), MaxEvidence)
		}
		want := []string{"personal data", "precise location", "IP address", "device identifier", "privacy policy"}
		if !slices.Equal(ev, want) {
			t.Errorf("evidence = %q, want %q", ev, want)
		}
	})
	t.Run("a phrase hides the terms inside it", func(t *testing.T) {
		m := tx.Classify("Read our privacy policy.")
		if len(m) != 1 || !slices.Equal(m[0].Evidence, []string{"privacy policy"}) {
			t.Errorf("Classify = %v, want privacy with evidence [privacy policy]", m)
		}
	})
	t.Run("whitespace collapsed", func(t *testing.T) {
		m := tx.Classify("we share your\n\tpersonal   data")
		if len(m) != 1 || m[0].Evidence[0] != "share your personal data" {
			t.Errorf("Classify = %v", m)
		}
	})
}

func TestOrderIsTaxonomyOrder(t *testing.T) {
	tx := mustCompile(t, Defaults(), nil)
	text := "An AI recommender system removes content, asks your age, enforces copyright, " +
		"offers refunds and processes personal data."
	var got []string
	for i := 0; i < 20; i++ {
		got = got[:0]
		for _, m := range tx.Classify(text) {
			got = append(got, m.Topic)
		}
		if want := []string{Privacy, Consumer, IP, Minors, Moderation, AI}; !slices.Equal(got, want) {
			t.Fatalf("topics = %v, want %v", got, want)
		}
	}
}

func TestFragments(t *testing.T) {
	tx := mustCompile(t, Defaults(), nil)
	sentence := "We keep your personal data for 30 days after you close your account."
	days := strings.Index(sentence, "30 days")
	personal := strings.Index(sentence, "personal data")

	t.Run("change outside the evidence is context", func(t *testing.T) {
		m := tx.ClassifyFragments([]Fragment{{Text: sentence, Changed: [][2]int{{days, days + 2}}}})
		if want := []Match{{Topic: Privacy, Evidence: []string{"personal data"}, Context: true}}; !reflect.DeepEqual(m, want) {
			t.Errorf("got %+v, want %+v", m, want)
		}
	})
	t.Run("change inside the evidence counts", func(t *testing.T) {
		m := tx.ClassifyFragments([]Fragment{{Text: sentence, Changed: [][2]int{{personal, personal + len("personal")}}}})
		if want := []Match{{Topic: Privacy, Evidence: []string{"personal data"}}}; !reflect.DeepEqual(m, want) {
			t.Errorf("got %+v, want %+v", m, want)
		}
	})
	t.Run("words deleted inside a phrase", func(t *testing.T) {
		// "personal (sensitive) data" lost a word: the new side marks the
		// deletion point with an empty range between "personal" and "data".
		at := personal + len("personal ")
		m := tx.ClassifyFragments([]Fragment{{Text: sentence, Changed: [][2]int{{at, at}}}})
		if len(m) != 1 || m[0].Context {
			t.Errorf("got %+v, want privacy in change", m)
		}
	})
	t.Run("deletion point at an edge is context", func(t *testing.T) {
		m := tx.ClassifyFragments([]Fragment{{Text: sentence, Changed: [][2]int{{personal, personal}}}})
		if len(m) != 1 || !m[0].Context {
			t.Errorf("got %+v, want privacy as context", m)
		}
	})
	t.Run("changed topics first, evidence only from the change", func(t *testing.T) {
		m := tx.ClassifyFragments([]Fragment{
			{Text: "Your privacy settings apply.", Changed: nil},
			{Text: "We may terminate your account. Cookies are used.", Changed: [][2]int{{0, 30}}},
		})
		want := []Match{
			{Topic: Moderation, Evidence: []string{"terminate your account"}},
			{Topic: Privacy, Evidence: []string{"privacy settings", "Cookies"}, Context: true},
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("got %+v, want %+v", m, want)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		if m := tx.ClassifyFragments([]Fragment{{Text: "Last updated: July 2025", Changed: [][2]int{{14, 23}}}}); m != nil {
			t.Errorf("got %+v, want nil", m)
		}
	})
}

func TestMatchJSON(t *testing.T) {
	for _, tt := range []struct {
		m    Match
		want string
	}{
		{Match{Topic: "privacy", Evidence: []string{"personal data"}}, `{"topic":"privacy","evidence":["personal data"]}`},
		{Match{Topic: "ip", Evidence: []string{"DMCA"}, Context: true}, `{"topic":"ip","evidence":["DMCA"],"context":true}`},
	} {
		b, err := json.Marshal(tt.m)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("json = %s, want %s", b, tt.want)
		}
	}
}

func TestHits(t *testing.T) {
	tx := mustCompile(t, Defaults(), nil)
	text := "We use cookies. You may opt out of arbitration."
	hits := tx.Hits(text)
	var got []string
	for _, h := range hits {
		got = append(got, h.Topic+":"+text[h.Start:h.End])
	}
	if want := []string{"privacy:cookies", "consumer:arbitration"}; !slices.Equal(got, want) {
		t.Errorf("hits = %v, want %v", got, want)
	}
}

func TestDefaults(t *testing.T) {
	specs := Defaults()
	var ids []string
	for _, s := range specs {
		ids = append(ids, s.ID)
		if s.Name == "" {
			t.Errorf("topic %s has no name", s.ID)
		}
	}
	if want := []string{Privacy, Consumer, IP, Minors, Moderation, AI}; !slices.Equal(ids, want) {
		t.Errorf("default ids = %v, want %v", ids, want)
	}
	specs[0].Terms[0] = "changed"
	if Defaults()[0].Terms[0] == "changed" {
		t.Error("Defaults returned shared state")
	}
	tx := mustCompile(t, Defaults(), nil)
	if got := tx.Name(Privacy); got != "Privacy and data protection" {
		t.Errorf("Name(privacy) = %q", got)
	}
	if got := tx.Name("gone"); got != "gone" {
		t.Errorf("Name(gone) = %q, want the id back", got)
	}
	if got := len(tx.Topics()); got != 6 {
		t.Errorf("%d topics, want 6", got)
	}
}

func TestParseSpecs(t *testing.T) {
	specs, err := ParseSpecs([]byte("topics:\n  - id: tax\n    name: Tax\n    terms: [vat]\n    replace: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Spec{{ID: "tax", Name: "Tax", Terms: []string{"vat"}, Replace: true}}; !reflect.DeepEqual(specs, want) {
		t.Errorf("got %+v, want %+v", specs, want)
	}
	_, err = ParseSpecs([]byte("topics:\n  - id: tax\n    name: Tax\n    term: [vat]\n"))
	if err == nil || !strings.Contains(err.Error(), "field term not found") {
		t.Errorf("unknown key: err = %v, want it named", err)
	}
}

func TestOverrides(t *testing.T) {
	text := "We sell gadgets and run a loyalty scheme. Your personal data stays here."
	topicsOf := func(tx *Taxonomy, s string) map[string][]string {
		out := map[string][]string{}
		for _, m := range tx.Classify(s) {
			out[m.Topic] = m.Evidence
		}
		return out
	}
	t.Run("extend", func(t *testing.T) {
		tx := mustCompile(t, Defaults(), []Spec{{ID: Consumer, Phrases: []string{"loyalty scheme"}}})
		got := topicsOf(tx, text)
		if !slices.Equal(got[Consumer], []string{"loyalty scheme"}) || got[Privacy] == nil {
			t.Errorf("got %v, want consumer extended and privacy kept", got)
		}
		if !slices.Equal(topicsOf(tx, "a refund")[Consumer], []string{"refund"}) {
			t.Error("extending lost the built-in terms")
		}
	})
	t.Run("replace", func(t *testing.T) {
		tx := mustCompile(t, Defaults(), []Spec{{ID: Privacy, Name: "Data", Terms: []string{"gadget"}, Replace: true}})
		got := topicsOf(tx, text)
		if !slices.Equal(got[Privacy], []string{"gadgets"}) {
			t.Errorf("got %v, want privacy matching only the replacement", got)
		}
		if tx.Name(Privacy) != "Data" {
			t.Errorf("name = %q, want Data", tx.Name(Privacy))
		}
	})
	t.Run("disable one", func(t *testing.T) {
		tx := mustCompile(t, Defaults(), []Spec{{ID: Privacy, Disabled: true}})
		if _, ok := topicsOf(tx, text)[Privacy]; ok || len(tx.Topics()) != 5 {
			t.Errorf("privacy still there: %v", tx.Topics())
		}
	})
	t.Run("drop defaults and add a topic", func(t *testing.T) {
		tx := mustCompile(t, nil, []Spec{{ID: "loyalty", Name: "Loyalty", Phrases: []string{"loyalty scheme"}}})
		got := topicsOf(tx, text)
		if want := map[string][]string{"loyalty": {"loyalty scheme"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("new topic after built-in ones", func(t *testing.T) {
		tx := mustCompile(t, Defaults(), []Spec{{ID: "tax", Name: "Tax", Terms: []string{"vat"}}})
		ts := tx.Topics()
		if ts[len(ts)-1] != (Topic{ID: "tax", Name: "Tax"}) {
			t.Errorf("topics = %v", ts)
		}
	})
}

func TestConfig(t *testing.T) {
	src := []byte(`
no_defaults: false
topics:
  - id: privacy
    exclude: [privacy screen]
  - id: ai
    disabled: true
  - id: tax
    name: Tax
    phrases: [value added tax]
`)
	var c Config
	if err := yaml.Unmarshal(src, &c); err != nil {
		t.Fatal(err)
	}
	tx, err := c.Compile()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tp := range tx.Topics() {
		ids = append(ids, tp.ID)
	}
	if want := []string{Privacy, Consumer, IP, Minors, Moderation, "tax"}; !slices.Equal(ids, want) {
		t.Errorf("topics = %v, want %v", ids, want)
	}
	var got []string
	for _, m := range tx.Classify("Fit a privacy screen; value-added tax applies; our privacy policy changed.") {
		got = append(got, m.Topic+":"+strings.Join(m.Evidence, "|"))
	}
	if want := []string{"privacy:privacy policy", "tax:value-added tax"}; !slices.Equal(got, want) {
		t.Errorf("matches = %v, want %v", got, want)
	}

	c.NoDefaults = true
	if _, err := c.Compile(); err == nil || !strings.Contains(err.Error(), `cannot disable a topic that is not built in`) {
		t.Errorf("no_defaults with overrides of built-in topics: err = %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	ok := Spec{ID: "ok", Name: "OK", Terms: []string{"fine"}}
	tests := []struct {
		name      string
		base      []Spec
		overrides []Spec
		want      []string // substrings of the error, each required
	}{
		{"bad pattern", nil, []Spec{{ID: "tax", Name: "Tax", Patterns: []string{`\bvat(`}}},
			[]string{`topic "tax": pattern "\\bvat(": error parsing regexp: missing closing )`}},
		{"pattern matching everything", nil, []Spec{{ID: "tax", Name: "Tax", Patterns: []string{`x*`}}},
			[]string{`topic "tax": pattern "x*": can match empty text`}},
		{"pattern matching empty text between words", nil, []Spec{{ID: "tax", Name: "Tax", Patterns: []string{`\b(vat)?`}}},
			[]string{`topic "tax": pattern "\\b(vat)?": can match empty text`}},
		{"duplicate in overrides", nil, []Spec{ok, ok}, []string{`topic "ok" is configured twice`}},
		{"duplicate in base", []Spec{ok, ok}, nil, []string{`topic "ok" is defined twice`}},
		{"empty topic", nil, []Spec{{ID: "tax", Name: "Tax"}}, []string{`topic "tax": has no terms, phrases or patterns`}},
		{"replaced by nothing", Defaults(), []Spec{{ID: Privacy, Replace: true}}, []string{`topic "privacy": has no terms`}},
		{"missing name", nil, []Spec{{ID: "tax", Terms: []string{"vat"}}}, []string{`topic "tax": name is empty`}},
		{"bad id", nil, []Spec{{ID: "Tax Law", Name: "Tax", Terms: []string{"vat"}}}, []string{`topic id "Tax Law": use lowercase`}},
		{"term with spaces", nil, []Spec{{ID: "tax", Name: "Tax", Terms: []string{"value added tax"}}},
			[]string{`term "value added tax" is several words; list it under phrases`}},
		{"empty phrase", nil, []Spec{{ID: "tax", Name: "Tax", Phrases: []string{" - "}}}, []string{`phrase " - " has no letters`}},
		{"disable unknown", Defaults(), []Spec{{ID: "tax", Disabled: true}}, []string{`cannot disable a topic that is not built in`, "privacy, consumer"}},
		{"nothing left", nil, nil, []string{"no topic left"}},
		{"every problem reported", nil, []Spec{
			{ID: "a", Name: "A", Patterns: []string{"("}},
			{ID: "b", Name: "B"},
		}, []string{`topic "a": pattern "("`, `topic "b": has no terms`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := Compile(tt.base, tt.overrides)
			if err == nil {
				t.Fatalf("Compile succeeded with %v topics, want an error", len(tx.Topics()))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestRegulatorHeadlines checks typical regulator notices, written for this
// test in the style of the FTC, FCC, USPTO, EDPB and Coast Guard, against
// the topics a compliance officer would give them.
func TestRegulatorHeadlines(t *testing.T) {
	tx := mustCompile(t, Defaults(), nil)
	tests := []struct {
		text string
		want []string
	}{
		{"Analysis of Proposed Consent Order To Aid Public Comment. The consent agreement settles alleged violations of federal law prohibiting unfair or deceptive acts or practices related to the company's data security failures.", []string{Privacy, Consumer}},
		{"Advanced Methods To Target and Eliminate Unlawful Robocalls", []string{Consumer}},
		{"Setting and Adjusting Patent Fees During Fiscal Year 2026", []string{IP}},
		{"Safety Zone; Fireworks Display, Lake Erie, Cleveland, OH", nil},
		{"EDPB adopts guidelines on the processing of personal data for age verification by online platforms", []string{Privacy, Minors}},
		{"FTC finalizes changes to the Children's Online Privacy Protection Rule (COPPA)", []string{Privacy, Minors}},
		{"Commission opens proceedings under the Digital Services Act on the platform's recommender systems", []string{Moderation, AI}},
		{"Negative Option Rule: click-to-cancel requirements for subscriptions with automatic renewal", []string{Consumer}},
		{"Copyright Office issues report on copyright and artificial intelligence training", []string{IP, AI}},
		{"Airworthiness Directives; The Boeing Company Airplanes", nil},
		{"Antidumping Duty Order on Certain Steel Nails; Final Results (AD/CVD)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text[:min(len(tt.text), 40)], func(t *testing.T) {
			var got []string
			for _, m := range tx.Classify(tt.text) {
				got = append(got, m.Topic)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("topics = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	tx := mustCompile(t, Defaults(), nil)
	text := "We share your personal data and may terminate your account; you grant us a worldwide licence."
	want := tx.Classify(text)
	done := make(chan []Match)
	for range 8 {
		go func() {
			var last []Match
			for range 50 {
				last = tx.Classify(text)
			}
			done <- last
		}()
	}
	for range 8 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("concurrent Classify = %v, want %v", got, want)
		}
	}
}

// Common wording of real terms and regulators that the built-in taxonomy
// must tag, and wording it must not.
func TestBuiltInWording(t *testing.T) {
	tx, err := Compile(Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	has := func(text, topic string) bool {
		for _, m := range tx.Classify(text) {
			if m.Topic == topic {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct{ text, topic string }{
		{"You and TikTok agree to arbitrate all disputes.", Consumer},
		{"Your subscription will automatically renew each month.", Consumer},
		{"The plan auto renews until cancelled.", Consumer},
		{"The FTC amended its Negative Option Rule.", Consumer},
		{"TikTok shall not be liable for any indirect loss.", Consumer},
		{"All trade marks belong to their owners.", IP},
		{"If you are under 18, you may not go LIVE.", Minors},
		{"You must be 18 years or above to send gifts.", Minors},
	} {
		if !has(tc.text, tc.topic) {
			t.Errorf("%q: no %s", tc.text, tc.topic)
		}
	}
	for _, tc := range []struct{ text, topic string }{
		{"Creators can withdraw earnings of $10 or above.", Minors},
	} {
		if has(tc.text, tc.topic) {
			t.Errorf("%q: tagged %s", tc.text, tc.topic)
		}
	}
}
