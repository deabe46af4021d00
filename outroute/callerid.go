package outroute

import (
	"sync"

	"github.com/ipcc/ipcc/dialplan"
)

// CalleeArea is the area a callee is in: a landline's area code; a mobile
// placed by the tenant's area table (routing settings area_codes, mobile
// segments such as "1380013": "010"); else "".
func CalleeArea(n Number, table map[string]string) string {
	if n.Country != "86" {
		return ""
	}
	area, _ := dialplan.AreaCode(n.National, table)
	if area == dialplan.AreaMobile {
		return ""
	}
	return area
}

// numberArea is the area a pool number is local to: its Area, else its
// own landline area code.
func numberArea(p PoolNumber, home string) string {
	if p.Area != "" {
		return p.Area
	}
	n, err := Classify(p.Number, home)
	if err != nil || n.Type != TypeLandline {
		return ""
	}
	return n.Area
}

// Picker hands out pool numbers in turn; one Picker serves all pools of
// all tenants (counters by tenant/pool/area).
type Picker struct {
	mu   sync.Mutex
	next map[string]int
}

// NewPicker makes a Picker.
func NewPicker() *Picker { return &Picker{next: map[string]int{}} }

// Pick chooses the caller number for a callee from pool: one local to the
// callee's area when the pool has one (local presence; several in turn),
// else the pool's numbers in turn. how says which.
func (pk *Picker) Pick(tenant string, pool *Pool, callee Number, home string, areaTable map[string]string) (number, how string) {
	if pool == nil || len(pool.Numbers) == 0 {
		return "", ""
	}
	if pool.LocalPresence == nil || *pool.LocalPresence {
		if area := CalleeArea(callee, areaTable); area != "" {
			var local []string
			for _, p := range pool.Numbers {
				if numberArea(p, home) == area {
					local = append(local, p.Number)
				}
			}
			if len(local) > 0 {
				return local[pk.turn(tenant+"/"+pool.ID+"/"+area, len(local))], "local presence: a number of area " + area + " from pool " + pool.ID
			}
		}
	}
	return pool.Numbers[pk.turn(tenant+"/"+pool.ID, len(pool.Numbers))].Number, "round robin in pool " + pool.ID
}

func (pk *Picker) turn(key string, n int) int {
	pk.mu.Lock()
	defer pk.mu.Unlock()
	i := pk.next[key] % n
	pk.next[key] = i + 1
	return i
}
