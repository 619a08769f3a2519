package facts

import (
	"errors"
)

// ErrNoData is wrapped by the parsers of facts whose output held nothing
// they could read.
var ErrNoData = errors.New("no usable data in output")
