-- Benign Lua workload: spectral norm, binary trees (allocation and GC), string building; forever.
local function A(i, j)
	local ij = i + j - 1
	return 1.0 / (ij * (ij - 1) * 0.5 + i)
end

local function Av(x, y, N)
	for i = 1, N do
		local a = 0
		for j = 1, N do a = a + x[j] * A(i, j) end
		y[i] = a
	end
end

local function Atv(x, y, N)
	for i = 1, N do
		local a = 0
		for j = 1, N do a = a + x[j] * A(j, i) end
		y[i] = a
	end
end

local function spectral(N)
	local u, v, t = {}, {}, {}
	for i = 1, N do u[i] = 1 end
	for _ = 1, 10 do
		Av(u, t, N); Atv(t, v, N); Av(v, t, N); Atv(t, u, N)
	end
	local vBv, vv = 0, 0
	for i = 1, N do vBv = vBv + u[i] * v[i]; vv = vv + v[i] * v[i] end
	return math.sqrt(vBv / vv)
end

local function tree(d)
	if d == 0 then return {} end
	d = d - 1
	return { tree(d), tree(d) }
end

local function check(t)
	if t[1] then return 1 + check(t[1]) + check(t[2]) end
	return 1
end

local round = 0
while true do
	local s = spectral(250)
	local n = 0
	for _ = 1, 8 do n = n + check(tree(14)) end
	local parts = {}
	for i = 1, 20000 do parts[#parts + 1] = string.format("%d:%x;", i, (i * 2654435761) % 4294967296) end
	local str = table.concat(parts)
	local count = select(2, str:gsub("a", "a"))
	round = round + 1
	if round % 10 == 0 then io.stderr:write(string.format("round %d: %.9f %d %d\n", round, s, n, count)) end
end
