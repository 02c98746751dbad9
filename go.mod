module tracker

go 1.26.0
