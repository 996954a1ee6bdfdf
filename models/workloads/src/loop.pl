#!/usr/bin/perl
# Benign Perl workload: regex-parse log lines, count words in hashes, sort, sprintf reports; forever.
use strict;
use warnings;

open(my $fh, '<', $ARGV[0]) or die "loop.pl: $ARGV[0]: $!\n";
my @lines;
while (my $l = <$fh>) { push @lines, $l; last if @lines >= 60000; }
close $fh;
my $round = 0;
while (1) {
	my (%words, %lat, %status);
	for my $l (@lines) {
		if ($l =~ /host(\d+) app\[(\d+)\]: (.*) id=(\d+) latency_ms=(\d+) status=(\d+)/) {
			push @{$lat{$1}}, $5;
			$status{$6}++;
		} else {
			$words{lc $_}++ for map { s/\.$//r } split ' ', $l;
		}
	}
	my @top = (sort { $words{$b} <=> $words{$a} || $a cmp $b } keys %words)[0 .. 49];
	my $report = join "\n", map {
		my @v = sort { $a <=> $b } @{$lat{$_}};
		sprintf("host%-3s n=%6d p50=%5d p99=%5d", $_, scalar @v, $v[@v / 2], $v[int(@v * 0.99)])
	} sort { $a <=> $b } keys %lat;
	$round++;
	print STDERR "round $round: ", length($report), " ", $top[0], "\n" if $round % 20 == 0;
}
