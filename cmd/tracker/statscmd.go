package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"tracker/internal/store"
)

// statsJSON is `tracker stats --json`.
type statsJSON struct {
	Database      string `json:"database"`
	Sources       int    `json:"sources"`
	Versions      int    `json:"versions"`
	DistinctTexts int    `json:"distinct_texts"`
	Snapshots     int    `json:"snapshots"`
	Digests       int    `json:"digests"`
	// VersionBytes counts every version's text in full.
	VersionBytes int64 `json:"version_bytes"`
	Compressed   struct {
		Texts   int64 `json:"texts"`
		Pages   int64 `json:"pages"`
		Digests int64 `json:"digests"`
	} `json:"compressed_bytes"`
	FileBytes int64       `json:"file_bytes"`
	FreeBytes int64       `json:"free_bytes"`
	PageSize  int64       `json:"page_size"`
	Parts     []statsPart `json:"parts"`
}

type statsPart struct {
	Part  string `json:"part"`
	Bytes int64  `json:"bytes"`
}

func statsCmd(a *app, fs *flag.FlagSet) runner { return a.stats }

// stats shows what the database holds and what each part of it costs.
func (a *app) stats(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return errUsage
	}
	db, err := a.openDB(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Stats(ctx)
	if err != nil {
		return err
	}
	if a.jsonOut {
		return a.printJSON(newStatsJSON(a.dbName(), st))
	}
	pct := func(n int64) string {
		if st.VersionBytes == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f %%", float64(n)/float64(st.VersionBytes)*100)
	}
	fmt.Fprintf(a.stdout, "%s: %s for %d versions of %d sources, %s of text counting each version in full (%s)\n\n",
		a.dbName(), fmtBytes(st.FileBytes), st.Versions, st.Sources, fmtBytes(st.VersionBytes), pct(st.FileBytes))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	row := func(name string, n int64) { fmt.Fprintf(tw, "%s\t%8s\t%11s\n", name, fmtBytes(n), pct(n)) }
	fmt.Fprintln(tw, "PART\t ON DISK\tOF THE TEXT")
	for _, p := range st.Parts {
		row(p.Name, p.Bytes)
		if p.Name == "compressed texts, pages and digests" {
			row(fmt.Sprintf("  %d distinct texts of versions", st.DistinctTexts), st.TextBytes)
			row(fmt.Sprintf("  raw pages of %d snapshots", st.Snapshots), st.PageBytes)
			row(fmt.Sprintf("  %d digests", st.Digests), st.DigestBytes)
		}
	}
	row("free pages", st.FreeBytes)
	tw.Flush()
	return nil
}

func newStatsJSON(path string, st store.Stats) statsJSON {
	out := statsJSON{Database: path, Sources: st.Sources, Versions: st.Versions, DistinctTexts: st.DistinctTexts,
		Snapshots: st.Snapshots, Digests: st.Digests, VersionBytes: st.VersionBytes,
		FileBytes: st.FileBytes, FreeBytes: st.FreeBytes, PageSize: st.PageSize}
	out.Compressed.Texts, out.Compressed.Pages, out.Compressed.Digests = st.TextBytes, st.PageBytes, st.DigestBytes
	for _, p := range st.Parts {
		out.Parts = append(out.Parts, statsPart{p.Name, p.Bytes})
	}
	return out
}

// fmtBytes prints a size in decimal units, as disks and ls -lh --si do.
func fmtBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}
