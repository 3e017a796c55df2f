module courier-go-bench

go 1.19
