package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The README's examples are run as a newcomer runs them, so that it never
// says what does not happen. A fenced block after the comment
// <!-- walkthrough --> is a console session: "$ tracker ..." lines are run,
// in order, in one empty directory, and the lines under each are what it
// must print (stdout, then stderr), a subset in order: "…" alone skips
// lines, and "…" inside a line stands for any text. A command exits 0
// unless its line ends with "# exits N". A fenced block after
// <!-- walkthrough file: NAME --> is written to NAME before the commands
// that follow it. "$repo" is the repository.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// step is one thing the walkthrough does: write a file, or run a command.
type step struct {
	line  int // in README.md
	file  string
	body  string   // the file's content
	args  []string // the command's, without "tracker"
	code  int
	wants []string
}

var walkthroughMark = regexp.MustCompile(`^<!-- walkthrough(?: file: (\S+))? -->$`)

// walkthrough reads the steps of the README's walkthrough blocks.
func walkthrough(t *testing.T, text, repo string) []step {
	t.Helper()
	lines := strings.Split(text, "\n")
	var steps []step
	for i := 0; i < len(lines); i++ {
		m := walkthroughMark.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		i++
		for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		if i == len(lines) || !strings.HasPrefix(lines[i], "```") {
			t.Fatalf("README.md:%d: a walkthrough mark not followed by a fenced block", i)
		}
		start := i + 1
		var block []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			block = append(block, lines[i])
		}
		if m[1] != "" {
			steps = append(steps, step{line: start, file: m[1], body: strings.Join(block, "\n") + "\n"})
			continue
		}
		for k, l := range block {
			if cmd, ok := strings.CutPrefix(l, "$ "); ok {
				words, comment := shellWords(t, cmd, map[string]string{"repo": repo})
				if len(words) == 0 || words[0] != "tracker" {
					t.Fatalf("README.md:%d: the walkthrough runs tracker, not %q", start+k, cmd)
				}
				s := step{line: start + k, args: words[1:]}
				if c, ok := strings.CutPrefix(comment, "exits "); ok {
					if s.code, ok = atoi(c); !ok {
						t.Fatalf("README.md:%d: %q: exits what?", start+k, comment)
					}
				}
				steps = append(steps, s)
				continue
			}
			if len(steps) == 0 || steps[len(steps)-1].args == nil {
				t.Fatalf("README.md:%d: output before any command", start+k)
			}
			last := &steps[len(steps)-1]
			last.wants = append(last.wants, strings.TrimRight(l, " "))
		}
	}
	return steps
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// shellWords splits a command line as sh does for the quoting the README
// uses (single and double quotes, $name inside double quotes or bare), and
// returns the comment after " #", if any.
func shellWords(t *testing.T, line string, vars map[string]string) (words []string, comment string) {
	var w strings.Builder
	in, quote := false, rune(0)
	expand := func(s string) string {
		return regexp.MustCompile(`\$\w+`).ReplaceAllStringFunc(s, func(v string) string {
			val, ok := vars[v[1:]]
			if !ok {
				t.Fatalf("the walkthrough knows no %s", v)
			}
			return val
		})
	}
	var pending strings.Builder // unquoted or double-quoted text, expanded when the word ends or the quoting changes
	flush := func() { w.WriteString(expand(pending.String())); pending.Reset() }
	for i, r := range line {
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case quote == '"':
			if r == '"' {
				quote = 0
				flush()
			} else {
				pending.WriteRune(r)
			}
		case r == '\'' || r == '"':
			flush()
			quote, in = r, true
		case r == '#' && (i == 0 || line[i-1] == ' ') && !in:
			return words, strings.TrimSpace(line[i+1:])
		case r == ' ' || r == '\t':
			if in {
				flush()
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			pending.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if in {
		flush()
		words = append(words, w.String())
	}
	return words, ""
}

// matches reports whether the output holds the wanted lines, in order.
func matches(out string, wants []string) (bool, string) {
	lines := strings.Split(out, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	at := 0
	skip := false
	for _, w := range wants {
		if w == "…" {
			skip = true
			continue
		}
		found := false
		for ; at < len(lines); at++ {
			if lineMatches(lines[at], w) {
				found = true
				at++
				break
			}
			if !skip {
				return false, w
			}
		}
		if !found {
			return false, w
		}
		skip = false
	}
	return true, ""
}

// lineMatches reports whether line is want, "…" in want standing for any
// text.
func lineMatches(line, want string) bool {
	parts := strings.Split(want, "…")
	if len(parts) == 1 {
		return line == want
	}
	if !strings.HasPrefix(line, parts[0]) {
		return false
	}
	rest := line[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// TestREADMEWalkthrough runs the README's walkthrough from an empty
// directory, through the command line itself, and checks what each
// command prints and how it exits.
func TestREADMEWalkthrough(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	steps := walkthrough(t, readme(t), repo)
	commands := 0
	for _, s := range steps {
		if s.args != nil {
			commands++
		}
	}
	if commands < 8 {
		t.Fatalf("the README's walkthrough has %d commands", commands)
	}
	ignore := gitignore(t) // before the walkthrough leaves the repository
	dir := t.TempDir()
	t.Chdir(dir)
	// A newcomer's environment sets nothing of tracker's, and the clock
	// is after the shipped history ends, as a newcomer's is.
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	getenv := func(k string) string {
		if strings.HasPrefix(k, "TRACKER_") {
			return ""
		}
		return os.Getenv(k)
	}
	for _, s := range steps {
		if s.file != "" {
			if err := os.WriteFile(filepath.Join(dir, s.file), []byte(s.body), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, getenv: getenv, now: func() time.Time { return now }}
		code := a.run(context.Background(), s.args)
		cmd := "tracker " + strings.Join(s.args, " ")
		if code != s.code {
			t.Errorf("README.md:%d: %s: exit %d, the README says %d\nstdout:\n%s\nstderr:\n%s", s.line, cmd, code, s.code, out.String(), errOut.String())
			continue
		}
		if ok, missing := matches(out.String()+errOut.String(), s.wants); !ok {
			t.Errorf("README.md:%d: %s does not print what the README says: no %q in order\nstdout:\n%s\nstderr:\n%s",
				s.line, cmd, missing, out.String(), errOut.String())
		}
	}
	// What the walkthrough leaves in the directory would not be committed
	// by a newcomer who ran it in a clone.
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		written := false
		for _, s := range steps {
			written = written || s.file == f.Name()
		}
		if !written && !ignore(f.Name()) && !strings.HasSuffix(f.Name(), ".html") {
			t.Errorf("the walkthrough leaves %s, which is not in .gitignore", f.Name())
		}
	}
}

// The matching the walkthrough relies on.
func TestWalkthroughMatching(t *testing.T) {
	out := "a\nb 12 c\nd\ne\n"
	for _, tc := range []struct {
		wants []string
		ok    bool
	}{
		{[]string{"a", "b 12 c"}, true},
		{[]string{"a", "…", "e"}, true},
		{[]string{"a", "e"}, false},
		{[]string{"…", "b … c", "d"}, true},
		{[]string{"b … c", "d"}, false}, // the first line is wanted unless "…" skips it
		{[]string{"…", "b …"}, true},
		{[]string{"…", "…12"}, false},
		{[]string{"e", "a"}, false},
	} {
		if ok, _ := matches(out, tc.wants); ok != tc.ok {
			t.Errorf("%q in %q: %v, want %v", tc.wants, out, ok, tc.ok)
		}
	}
	words, comment := shellWords(t, `tracker import ota "$repo/testdata/ota tiktok" --map 'A/B=c d' x"y" # exits 1`, map[string]string{"repo": "/r"})
	if fmt.Sprint(words) != "[tracker import ota /r/testdata/ota tiktok --map A/B=c d xy]" || len(words) != 7 || comment != "exits 1" {
		t.Errorf("words %q, comment %q", words, comment)
	}
}

// The README's table of commands names every flag of each command, and no
// flag a command does not have.
func TestREADMECommandsTable(t *testing.T) {
	row := regexp.MustCompile("^\\| `tracker ([a-z-]+)([^`]*)` \\|")
	flagName := regexp.MustCompile(`--([a-z][a-z-]*)`)
	named := map[string]map[string]bool{}
	for _, l := range strings.Split(readme(t), "\n") {
		m := row.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if named[m[1]] == nil {
			named[m[1]] = map[string]bool{}
		}
		for _, f := range flagName.FindAllStringSubmatch(m[2], -1) {
			named[m[1]][f[1]] = true
		}
	}
	for _, c := range commands() {
		fl, ok := named[c.name]
		if !ok {
			t.Errorf("the README's table of commands has no tracker %s", c.name)
			continue
		}
		has := map[string]bool{}
		for _, f := range flagsOf(c) {
			has[f.Name] = true
			if !fl[f.Name] {
				t.Errorf("README: tracker %s: no --%s", c.name, f.Name)
			}
		}
		for f := range fl {
			if !has[f] && !commonFlags[f] {
				t.Errorf("README: tracker %s --%s: no such flag", c.name, f)
			}
		}
		delete(named, c.name)
	}
	for name := range named {
		t.Errorf("the README's table of commands has tracker %s, which is no command", name)
	}
}
