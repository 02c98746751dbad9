package links

// SnapshotURL is the page showing what the server sent for a version: its
// address, status, headers and the page itself, sandboxed.
func SnapshotURL(base, id string, seq int) string {
	return VersionURL(base, id, seq) + "/snapshot"
}

// SnapshotRawURL is the stored body of a version's page, served so that
// nothing in it can run or load.
func SnapshotRawURL(base, id string, seq int) string {
	return SnapshotURL(base, id, seq) + "/raw"
}
