<?php
// Benign PHP workload: fannkuch permutations, mandelbrot, associative arrays and sorting; forever.
function fannkuch($n) {
	$p = range(0, $n - 1); $q = $p; $s = $p; $sign = 1; $maxflips = 0; $sum = 0;
	while (true) {
		$q0 = $p[0];
		if ($q0 != 0) {
			for ($i = 1; $i < $n; $i++) $q[$i] = $p[$i];
			$flips = 1;
			while (true) {
				$qq = $q[$q0];
				if ($qq == 0) { $sum += $sign * $flips; if ($flips > $maxflips) $maxflips = $flips; break; }
				$q[$q0] = $q0;
				if ($q0 >= 3) { $i = 1; $j = $q0 - 1; do { $t = $q[$i]; $q[$i] = $q[$j]; $q[$j] = $t; $i++; $j--; } while ($i < $j); }
				$q0 = $qq; $flips++;
			}
		}
		if ($sign == 1) { $t = $p[1]; $p[1] = $p[0]; $p[0] = $t; $sign = -1; }
		else {
			$t = $p[1]; $p[1] = $p[2]; $p[2] = $t; $sign = 1;
			for ($i = 2; $i < $n; $i++) {
				$sx = $s[$i];
				if ($sx != 0) { $s[$i] = $sx - 1; break; }
				if ($i == $n - 1) return [$sum, $maxflips];
				$s[$i] = $i;
				$t = $p[0]; for ($j = 0; $j <= $i; $j++) { $p[$j] = $p[$j + 1]; } $p[$i + 1] = $t;
			}
		}
	}
}

function mandel($w, $h) {
	$in = 0;
	for ($y = 0; $y < $h; $y++) for ($x = 0; $x < $w; $x++) {
		$cr = 2.0 * $x / $w - 1.5; $ci = 2.0 * $y / $h - 1.0; $zr = 0.0; $zi = 0.0; $k = 0;
		while ($k < 50 && $zr * $zr + $zi * $zi < 4.0) { $t = $zr * $zr - $zi * $zi + $cr; $zi = 2.0 * $zr * $zi + $ci; $zr = $t; $k++; }
		if ($k == 50) $in++;
	}
	return $in;
}

$round = 0;
while (true) {
	$f = fannkuch(8);
	$m = mandel(200, 150);
	$a = [];
	for ($i = 0; $i < 50000; $i++) { $a["k" . (($i * 7919) % 50000)] = ($i * 104729) % 1000; }
	arsort($a);
	$round++;
	if ($round % 10 == 0) fwrite(STDERR, "round $round: {$f[0]} {$f[1]} $m " . array_key_first($a) . "\n");
}
