package bgbb_test

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"retention/transform/bgbb"
)

// simulate draws customers from the model with parameters p, each with n
// opportunities uniform in 1…maxN, and returns them as groups in the order
// their histories first appear.
func simulate(seed uint64, p bgbb.Params, customers, maxN int) []bgbb.Group {
	r := rand.New(rand.NewPCG(seed, 1))
	pDist := distuv.Beta{Alpha: p.Alpha, Beta: p.Beta, Src: rand.NewPCG(seed, 2)}
	thetaDist := distuv.Beta{Alpha: p.Gamma, Beta: p.Delta, Src: rand.NewPCG(seed, 3)}
	type history struct{ x, tx, n int }
	index := map[history]int{}
	var groups []bgbb.Group
	for range customers {
		prob, theta := pDist.Rand(), thetaDist.Rand()
		h := history{n: 1 + r.IntN(maxN)}
		for t := 1; t <= h.n; t++ {
			if r.Float64() < theta {
				break // dropped out at the start of period t, for good
			}
			if r.Float64() < prob {
				h.x, h.tx = h.x+1, t
			}
		}
		i, ok := index[h]
		if !ok {
			i = len(groups)
			index[h] = i
			groups = append(groups, bgbb.Group{X: h.x, TX: h.tx, N: h.n})
		}
		groups[i].Count++
	}
	return groups
}
