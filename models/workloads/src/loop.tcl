# Benign Tcl workload: a prime sieve in lists, string maps and splits, dicts, lsort; forever.
proc sieve {n} {
	set is [lrepeat [expr {$n + 1}] 1]
	for {set i 2} {$i * $i <= $n} {incr i} {
		if {[lindex $is $i]} {
			for {set j [expr {$i * $i}]} {$j <= $n} {incr j $i} { lset is $j 0 }
		}
	}
	set c 0
	for {set i 2} {$i <= $n} {incr i} { if {[lindex $is $i]} { incr c } }
	return $c
}

set f [open [lindex $argv 0]]
set lines {}
for {set i 0} {$i < 20000} {incr i} { lappend lines [gets $f] }
close $f
set round 0
while 1 {
	set primes [sieve 200000]
	set d [dict create]
	foreach l $lines {
		foreach w [split [string map {. "" , ""} [string tolower $l]] " "] {
			if {$w ne ""} { dict incr d $w }
		}
	}
	set top [lrange [lsort -stride 2 -index 1 -integer -decreasing $d] 0 19]
	incr round
	if {$round % 5 == 0} { puts stderr "round $round: $primes [lindex $top 0]" }
}
