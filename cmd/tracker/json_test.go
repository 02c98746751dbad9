package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracker/internal/replaytest"
)

// Every command that takes --json prints JSON with it, never text: the
// five that printed text (import, rebuild, check-config, digest, backup)
// and serve, whose JSON gives the address it listens on.
func TestEveryJSONIsJSON(t *testing.T) {
	srv := replaytest.NewServer()
	defer srv.Close()
	e := newEnv(t, tosConfig(srv.URL)+"recipients:\n  - {name: Ada, address: ada@example.com}\nmail: {outbox: '"+filepath.Join(t.TempDir(), "outbox")+"'}\n")

	var imported []importJSON
	e.runJSON(&imported, "import", "ota", replaytest.OTADir(), "--service", "TikTok", "--terms", "Terms of Service")
	if len(imported) != 1 || imported[0].Source != "tiktok-terms-of-service" || imported[0].Added != 22 || !imported[0].ImportOnly ||
		imported[0].Rejected == nil || imported[0].Failed == nil {
		t.Errorf("import --json: %+v", imported)
	}
	e.runJSON(&imported, "import", "ota", replaytest.OTADir(), "--service", "TikTok", "--terms", "Terms of Service")
	if len(imported) != 1 || imported[0].Added != 0 || imported[0].Known != 28 { // the 22 versions and 6 files equal to the one before
		t.Errorf("import --json again: %+v", imported)
	}

	var rebuilt []rebuildJSON
	e.runJSON(&rebuilt, "rebuild")
	if len(rebuilt) != 1 || rebuilt[0].Source != "tos" || rebuilt[0].Outcome != "no-version" {
		t.Errorf("rebuild --json: %+v", rebuilt)
	}
	var index struct {
		Versions *int `json:"versions"`
	}
	e.runJSON(&index, "rebuild", "--index")
	if index.Versions == nil || *index.Versions != 22 {
		t.Errorf("rebuild --index --json: %+v", index)
	}

	var cc checkConfigJSON
	e.runJSON(&cc, "check-config")
	if !cc.OK || cc.Sources != 1 || cc.Enabled != 1 || cc.Digests.Recipients != 1 || cc.Digests.Transport != "outbox" || len(cc.Problems) != 0 {
		t.Errorf("check-config --json: %+v", cc)
	}

	var preview previewJSON
	e.runJSON(&preview, "digest", "--preview")
	if preview.Recipient != "ada@example.com" || preview.Next.At == nil || !preview.Next.First || !strings.Contains(preview.Subject, "TikTok terms") ||
		!strings.Contains(preview.Text, "For Ada") || !strings.Contains(preview.HTML, "<html") {
		t.Errorf("digest --preview --json: %+v", preview)
	}
	var sent []digestOutcomeJSON
	e.runJSON(&sent, "digest", "--send")
	if len(sent) != 1 || sent[0].Recipient != "ada@example.com" || sent[0].Sent || !strings.Contains(sent[0].Skipped, "not due") {
		t.Errorf("digest --send --json: %+v", sent)
	}
	e.runJSON(&sent, "digest", "--send", "--catch-up")
	if len(sent) != 1 || !sent[0].Sent || sent[0].Digest == nil || sent[0].Digest.State != "sent" {
		t.Errorf("digest --send --catch-up --json: %+v", sent)
	}
	var resent digestOutcomeJSON
	e.runJSON(&resent, "digest", "--resend", "1")
	if !resent.Sent || resent.Digest == nil || resent.Digest.ID != 1 {
		t.Errorf("digest --resend 1 --json: %+v", resent)
	}

	var backup backupJSON
	file := filepath.Join(t.TempDir(), "copy.db")
	e.runJSON(&backup, "backup", file)
	if fi, err := os.Stat(file); err != nil || backup.Backup != file || backup.Bytes != fi.Size() || backup.Bytes == 0 {
		t.Errorf("backup --json: %+v (%v)", backup, err)
	}

	addr, stop, stderr := e.serve(nil, "--listen", "127.0.0.1:0", "--json")
	if addr == "" {
		t.Fatalf("serve --json did not say where it listens: %s", stderr)
	}
	if code, _ := httpGet(t, addr+"/api/sources"); code != 200 {
		t.Errorf("serve --json: GET %s/api/sources: %d", addr, code)
	}
	stop()
}

// A broken configuration is reported in JSON too, each problem with its
// line, and check-config exits 1 as it does for text.
func TestCheckConfigJSONOfABrokenFile(t *testing.T) {
	e := newEnv(t, "sources:\n  - id: Bad Id\n    kind: page\n    url: nope\n")
	code, out, errOut := e.run("check-config", "--json")
	if code != exitFailed || errOut != "" {
		t.Fatalf("check-config --json of a broken file: exit %d, stderr %q", code, errOut)
	}
	var cc checkConfigJSON
	if err := json.Unmarshal([]byte(out), &cc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if cc.OK || len(cc.Problems) < 2 || cc.Problems[0].Line != 2 || !strings.Contains(out, "url must be") {
		t.Errorf("check-config --json: %+v", cc)
	}
}
