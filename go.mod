module github.com/tuopin/tuopin

go 1.26
