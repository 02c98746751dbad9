package evidence

import (
	"fmt"
	"strings"

	"tracker"
	"tracker/internal/cite"
)

// readme is README.txt: what the bundle holds and how to check each file
// by hand, with no tool but sha256sum.
func readme(p provenanceFile, files []file, runs []tracker.FetchRun) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	name := p.Source.Name
	if name == "" {
		name = p.Source.ID
	}
	last := p.Versions[len(p.Versions)-1]
	if p.FromSeq > 0 {
		w("Evidence bundle: %s (%s), version %d to version %d\n", name, p.Source.ID, p.FromSeq, p.ToSeq)
	} else {
		w("Evidence bundle: %s (%s), version %d\n", name, p.Source.ID, p.ToSeq)
	}
	w("Made by tracker from its database. Times are UTC.\n\n")
	if p.Source.URL != "" {
		w("Document address: %s\n", p.Source.URL)
	}
	if p.Source.Origin == tracker.OriginImport {
		w("tracker does not fetch this document itself: it holds only the versions imported from a dataset.\n")
	} else if !p.Source.Followed {
		w("tracker no longer fetches this document.\n")
	}
	w("\nTHE VERSIONS\n\n")
	for _, v := range p.Versions {
		w("Version %d\n", v.Seq)
		w("  Cite as: %s\n", v.Citation.Text)
		w("  SHA-256 of its text, as the database records it: %s\n", v.SHA256)
		w("  %s\n\n", v.Statement)
	}
	if last.Attribution != "" || (len(p.Versions) > 1 && p.Versions[0].Attribution != "") {
		w("Attribution: the imported texts are data of %s, licensed under %s;\n", cite.Attribution, cite.Licence)
		w("pass this attribution on with them.\n\n")
	}

	w("THE FILES\n\n")
	w("  %-34s %s\n", "MANIFEST", "the SHA-256 of every other file, as sha256sum writes them")
	for _, f := range files {
		w("  %-34s %s\n", f.path, describe(f.path))
	}
	w("\n")
	if len(runs) == 0 {
		w("fetch-log.json is empty: no fetch by tracker confirmed these versions (an imported text\n")
		w("is confirmed by its dataset only).\n\n")
	}

	w("HOW TO VERIFY\n\n")
	w("1. Every file against the manifest. In this folder, run\n\n")
	w("       sha256sum -c MANIFEST          (on macOS: shasum -a 256 -c MANIFEST)\n\n")
	w("   Every line must end in OK. The manifest covers this README too; keep the\n")
	w("   SHA-256 of the zip file itself (tracker prints it) with the bundle.\n\n")
	w("2. Each text against the database. A version's SHA-256 is computed over its text\n")
	w("   exactly as stored, byte for byte (UTF-8, nothing added): the text file hashes to\n")
	w("   exactly the version's SHA-256 that the database holds (provenance.json \"sha256\",\n")
	w("   the same as on tracker's version page and in `tracker history --json`):\n\n")
	for _, v := range p.Versions {
		w("       sha256sum %-24s must print %s\n", v.TextFile, v.SHA256)
	}
	w("\n")
	w("3. The page as served. For a version fetched by tracker, versions/vN/snapshot.* is\n")
	w("   the body of the HTTP response, byte for byte as tracker received and stored it;\n")
	w("   versions/vN/snapshot.json gives its address (after redirects), HTTP status, the\n")
	w("   response headers tracker kept, when it was fetched, and body_sha256, which the\n")
	w("   body file must hash to. Open it with care: it is the site's page, scripts and all\n")
	w("   (a text editor shows it without running anything). The text was extracted from\n")
	w("   it by tracker's rules for the document.\n")
	for _, v := range p.Versions {
		if v.Snapshot == nil {
			w("   Version %d has no stored page: %s\n", v.Seq, noSnapshot(v))
		}
	}
	w("\n")
	if p.FromSeq > 0 {
		w("4. The diff and the change. diff.json and diff.html are what `tracker diff %s\n", p.Source.ID)
		w("   --from %d --to %d --format json|html` gives: they are computed from the two text\n", p.FromSeq, p.ToSeq)
		w("   files, and say which words were removed and added. changes.json holds the\n")
		w("   change records as tracker stored them when it detected each change (its\n")
		w("   topics with the words that matched them, its importance and why).\n\n")
	}
	w("5. Who recorded what. provenance.json says for each version who recorded it\n")
	w("   (recorded_by: tracker or a dataset), who last confirmed it (last_confirmed_by),\n")
	w("   its origin (origin_ref: the dataset's file for an import) and attribution.\n")
	w("   fetch-log.json lists every fetch by tracker while these versions were current,\n")
	w("   oldest first: count fetches between first_at and last_at, each with its outcome\n")
	w("   (new: this version was recorded; unchanged or not-modified: the text was still\n")
	w("   in force; failed: the fetch failed, and proves nothing either way).\n")
	return b.String()
}

func noSnapshot(v versionFacts) string {
	if v.Provenance == tracker.ProvenanceImport {
		return "it was imported from " + cite.DatasetName + " (" + v.OriginRef + "), whose datasets keep the text, not the page."
	}
	return "tracker stored no page for it."
}

func describe(path string) string {
	switch {
	case path == "README.txt":
		return "this file"
	case path == "provenance.json":
		return "who recorded each version, when, from where; the SHA-256 the database holds"
	case path == "diff.html":
		return "what changed, as a page to read (the diff page of tracker, one file)"
	case path == "diff.json":
		return "what changed, as data: the words removed and added, with the change's topics"
	case path == "changes.json":
		return "the change records tracker stored: topics, evidence, importance, reason"
	case path == "fetch-log.json":
		return "every fetch by tracker while these versions were current"
	case strings.HasSuffix(path, "/text.txt"):
		return "the text of the version, as tracker stored it"
	case strings.HasSuffix(path, "/snapshot.json"):
		return "the page as served: address, HTTP status, headers, fetch time"
	case strings.Contains(path, "/snapshot."):
		return "the page as served, byte for byte"
	}
	return ""
}
