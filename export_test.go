package calyptos

// Unexported helpers the external tests exercise.
var (
	CleanKey  = cleanKey
	DeriveKey = deriveKey
)
