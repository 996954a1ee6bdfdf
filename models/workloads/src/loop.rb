# Benign Ruby workload: n-queens, objects in hashes and arrays, a word index of text; forever.
def queens(n, row = 0, cols = 0, d1 = 0, d2 = 0)
  return 1 if row == n
  count = 0
  avail = ~(cols | d1 | d2) & ((1 << n) - 1)
  while avail != 0
    bit = avail & -avail
    avail ^= bit
    count += queens(n, row + 1, cols | bit, ((d1 | bit) << 1) & ((1 << n) - 1), (d2 | bit) >> 1)
  end
  count
end

Point = Struct.new(:x, :y) do
  def dist2(o) = (x - o.x)**2 + (y - o.y)**2
end

lines = File.foreach(ARGV[0]).first(30000)
round = 0
loop do
  q = queens(9)
  pts = (0...3000).map { |i| Point.new((i * 7919) % 1000, (i * 104729) % 1000) }
  near = pts.each_slice(100).map { |s| s.min_by { |p| p.dist2(Point.new(500, 500)) } }
  index = Hash.new { |h, k| h[k] = [] }
  lines.each_with_index do |l, i|
    l.split.each { |w| index[w.downcase.delete('.')] << i }
  end
  top = index.max_by(20) { |_, v| v.size }.map(&:first)
  round += 1
  warn "round #{round}: #{q} #{near.size} #{top.first}" if (round % 10).zero?
end
