// A deliberately heavy C++ translation unit for the compiler workload (cxx.sh): templates, STL
// containers and algorithms, std::variant visitors, regex and lambdas, instantiated for many types.
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

template <int N> struct Tag {
	int v = N;
	bool operator<(const Tag &o) const { return v < o.v; }
	bool operator==(const Tag &o) const { return v == o.v; }
};

template <typename T> struct Stats {
	std::vector<T> xs;
	std::map<T, int> hist;
	void add(const T &x) { xs.push_back(x); ++hist[x]; }
	std::optional<T> mode() const {
		if (hist.empty()) return std::nullopt;
		return std::max_element(hist.begin(), hist.end(),
					[](auto &a, auto &b) { return a.second < b.second; })->first;
	}
	template <typename F> auto map(F f) const {
		std::vector<decltype(f(std::declval<T>()))> out;
		std::transform(xs.begin(), xs.end(), std::back_inserter(out), f);
		return out;
	}
};

using Value = std::variant<int, double, std::string, std::vector<int>>;

struct Printer {
	std::ostringstream &os;
	void operator()(int i) const { os << "i" << i; }
	void operator()(double d) const { os << "d" << d; }
	void operator()(const std::string &s) const { os << "s" << s; }
	void operator()(const std::vector<int> &v) const { os << "v" << std::accumulate(v.begin(), v.end(), 0); }
};

template <int N> std::string work() {
	Stats<Tag<N>> s;
	for (int i = 0; i < N; i++) s.add(Tag<N>{i % 7});
	auto doubled = s.map([](const Tag<N> &t) { return t.v * 2.0; });
	std::unordered_map<std::string, std::vector<Value>> m;
	m["k" + std::to_string(N)].push_back(Value{N});
	m["k" + std::to_string(N)].push_back(Value{std::to_string(N)});
	m["k" + std::to_string(N)].push_back(Value{std::vector<int>(N, N)});
	std::ostringstream os;
	for (auto &[k, vs] : m)
		for (auto &v : vs) std::visit(Printer{os}, v);
	std::regex re("k([0-9]+)");
	std::smatch sm;
	std::string key = "k" + std::to_string(N);
	std::regex_search(key, sm, re);
	std::set<std::tuple<int, double, std::string>> st;
	st.emplace(N, doubled.empty() ? 0.0 : doubled.back(), sm.str(1));
	std::function<int(int)> fib = [&](int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
	return os.str() + std::to_string(fib(N % 10)) + std::to_string(st.size());
}

template <int... Ns> std::string all(std::integer_sequence<int, Ns...>) {
	std::string r;
	((r += work<Ns + 1>()), ...);
	return r;
}

int main() {
	std::cout << all(std::make_integer_sequence<int, 60>{}).size() << "\n";
}
