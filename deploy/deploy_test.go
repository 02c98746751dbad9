// Package deploy_test checks the systemd install steps that
// tracker.service lists in its comments.
package deploy_test

import (
	"bufio"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
)

// file is what an install step leaves at a path.
type file struct {
	owner, group string
	mode         uint64
}

// installed plays the unit's install steps ("#   install ...") and returns
// what they leave, by destination path.
func installed(t *testing.T, unit string) map[string]file {
	t.Helper()
	out := map[string]file{}
	for _, line := range strings.Split(unit, "\n") {
		line, _, _ = strings.Cut(strings.TrimPrefix(line, "#"), "#")
		for _, cmd := range strings.Split(line, "&&") {
			args := strings.Fields(cmd)
			if len(args) == 0 || args[0] != "install" {
				continue
			}
			f := file{owner: "root", group: "root", mode: 0o755}
			dir := false
			var operands []string
			for i := 1; i < len(args); i++ {
				switch a := args[i]; a {
				case "-d":
					dir = true
				case "-D":
				case "-m", "-o", "-g":
					i++
					switch a {
					case "-m":
						m, err := strconv.ParseUint(args[i], 8, 32)
						if err != nil {
							t.Fatalf("%q: mode %q", cmd, args[i])
						}
						f.mode = m
					case "-o":
						f.owner = args[i]
					case "-g":
						f.group = args[i]
					}
				default:
					operands = append(operands, a)
				}
			}
			if dir {
				for _, d := range operands {
					out[d] = f
				}
				continue
			}
			if len(operands) != 2 {
				t.Fatalf("%q: want a source and a destination", cmd)
			}
			dst := operands[1]
			if strings.HasSuffix(dst, "/") {
				dst += path.Base(operands[0])
			}
			out[dst] = f
		}
	}
	return out
}

// readableBy reports whether user, whose group is its own name, can read f.
func (f file) readableBy(user string) bool {
	switch {
	case f.owner == user:
		return f.mode&0o400 != 0
	case f.group == user:
		return f.mode&0o040 != 0
	}
	return f.mode&0o004 != 0
}

// The service the steps leave can start: the tracker user reads its
// configuration, systemd its environment file, and the documentation the
// unit names is installed.
func TestInstallStepsLeaveAServiceThatStarts(t *testing.T) {
	unitB, err := os.ReadFile("tracker.service")
	if err != nil {
		t.Fatal(err)
	}
	envB, err := os.ReadFile("tracker.env")
	if err != nil {
		t.Fatal(err)
	}
	unit, env := string(unitB), map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(envB)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	directive := func(key string) string {
		for _, l := range strings.Split(unit, "\n") {
			if v, ok := strings.CutPrefix(l, key+"="); ok {
				return v
			}
		}
		t.Fatalf("no %s= in tracker.service", key)
		return ""
	}
	files := installed(t, unit)
	user := directive("User")

	readable := func(p, who string) {
		t.Helper()
		f, ok := files[p]
		if !ok {
			t.Errorf("%s is not installed by any step", p)
			return
		}
		if !f.readableBy(who) {
			t.Errorf("%s is left %s:%s %04o: %s cannot read it", p, f.owner, f.group, f.mode, who)
		}
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if df, ok := files[d]; ok && !(df.owner == who && df.mode&0o100 != 0 || df.group == who && df.mode&0o010 != 0 || df.mode&0o001 != 0 || who == "root") {
				t.Errorf("%s is left %s:%s %04o: %s cannot enter it", d, df.owner, df.group, df.mode, who)
			}
		}
	}
	readable(env["TRACKER_CONFIG"], user)
	readable(directive("EnvironmentFile"), "root")
	if bin := strings.Fields(directive("ExecStart"))[0]; files[bin].mode&0o001 == 0 {
		t.Errorf("%s is not installed executable", bin)
	}
	for _, doc := range strings.Fields(directive("Documentation")) {
		if p, ok := strings.CutPrefix(doc, "file://"); ok {
			readable(p, user)
		}
	}
}
