module live

go 1.22
