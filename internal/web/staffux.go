package web

import (
	"strconv"
	"strings"

	"github.com/fosis/fosis/internal/platform/rut"
)

// checkDigitOf is the check digit a RUN written with a wrong one should
// have ("" when q is not a RUN's body and a digit).
func checkDigitOf(q string) string {
	q = strings.TrimSpace(q)
	if len(q) < 2 {
		return ""
	}
	body := strings.TrimSuffix(strings.ReplaceAll(q[:len(q)-1], ".", ""), "-")
	n, err := strconv.ParseInt(body, 10, 64)
	if err != nil || n <= 0 || n > rut.MaxBody {
		return ""
	}
	return string(rut.CheckDigit(n))
}
