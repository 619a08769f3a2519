package report

// AppendTerminal appends s to b with every control character (C0 but tab,
// DEL and C1) and every byte that is not UTF-8 written as a visible \xNN
// escape, and every direction control (IsBidiControl) as \uXXXX, as the
// text report shows host output: for other text from hosts on its way to
// a terminal.
func AppendTerminal(b []byte, s string) []byte { return appendTerminal(b, s) }
