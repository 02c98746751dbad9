package tracker

import "testing"

func TestRank(t *testing.T) {
	if !(Cosmetic.Rank() < Minor.Rank() && Minor.Rank() < Major.Rank()) || Importance("huge").Rank() != -1 {
		t.Error("ranks out of order")
	}
}
