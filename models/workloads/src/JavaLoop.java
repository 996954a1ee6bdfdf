// Benign JVM workload: N threads of collections, string building, BigInteger and double math, JIT-compiled by HotSpot; forever.
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class JavaLoop {
    static long work(int id, long round) {
        Map<String, Integer> m = new HashMap<>();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40000; i++) {
            String k = "k" + ((i * 7919L + round) % 5000);
            m.merge(k, 1, Integer::sum);
            if (i % 100 == 0) sb.append(k).append(';');
        }
        List<Integer> vals = new ArrayList<>(m.values());
        vals.sort(null);
        BigInteger f = BigInteger.ONE;
        for (int i = 2; i < 400; i++) f = f.multiply(BigInteger.valueOf(i + id));
        double x = 0;
        for (int i = 1; i < 200000; i++) x += Math.sin(i * 0.001) / i;
        return vals.get(vals.size() / 2) + sb.length() + f.bitLength() + (long) (x * 1000);
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        Thread[] t = new Thread[n];
        for (int i = 0; i < n; i++) {
            final int id = i;
            t[i] = new Thread(() -> {
                long s = 0;
                for (long r = 0;; r++) {
                    s += work(id, r);
                    if (r % 50 == 0) System.err.println("thread " + id + " round " + r + ": " + s);
                }
            });
            t[i].start();
        }
        for (Thread x : t) x.join();
    }
}
