package org.searchsvc.devcluster;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node in this JVM, for development clusters on loopback.
 *
 * <p>A distribution loads its modules from {@code modules/} with their own class loaders and runs
 * bootstrap checks; here the plugins come from the classpath (Maven dependencies) and the node is
 * started directly, without the security manager or the production checks. The node logs to
 * stdout (the caller redirects it to a file) and closes cleanly on SIGTERM.
 *
 * <p>Arguments are {@code --key=value}:
 *
 * <pre>
 *   --cluster-name=NAME   --node-name=NAME   --home=DIR   --data=DIR   --repo=DIR
 *   --http-port=N   --transport-port=N   --seed-hosts=H:P,...   --initial-managers=NAME,...
 *   --setting=key=value   (any further node setting; may repeat)
 * </pre>
 */
public final class DevNode {

    /**
     * The plugins every node of these clusters has (see pom.xml for why each): Netty gives it HTTP
     * and transport at all.
     */
    private static final List<Class<? extends Plugin>> PLUGINS = List.of(
            Netty4Plugin.class,
            CommonAnalysisPlugin.class,
            ReindexPlugin.class,
            MapperExtrasPlugin.class);

    /** A node whose plugins are classes already on the classpath. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    private DevNode() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        List<String> extra = new ArrayList<>();
        for (String arg : argv) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --key=value, got: " + arg);
            }
            String key = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            if (key.equals("setting")) {
                extra.add(value);
            } else {
                args.put(key, value);
            }
        }

        Path home = Path.of(required(args, "home")).toAbsolutePath();
        Path data = Path.of(required(args, "data")).toAbsolutePath();
        Path repo = Path.of(required(args, "repo")).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(data);
        Files.createDirectories(repo);

        Settings.Builder settings = Settings.builder()
                .put("cluster.name", required(args, "cluster-name"))
                .put("node.name", required(args, "node-name"))
                .put("path.home", home.toString())
                .put("path.data", data.toString())
                .put("path.logs", home.resolve("logs").toString())
                // fs snapshot repositories must live under path.repo; all nodes share this one.
                .putList("path.repo", repo.toString())
                .put("network.host", "127.0.0.1")
                .put("http.port", required(args, "http-port"))
                .put("transport.port", required(args, "transport-port"))
                .putList("discovery.seed_hosts", required(args, "seed-hosts").split(","))
                .putList("cluster.initial_cluster_manager_nodes",
                        required(args, "initial-managers").split(","))
                .put("bootstrap.memory_lock", false)
                // A nearly full dev disk must not stop shards from being allocated.
                .put("cluster.routing.allocation.disk.threshold_enabled", false);
        for (String kv : extra) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected --setting=key=value, got: " + kv);
            }
            settings.put(kv.substring(0, eq), kv.substring(eq + 1));
        }

        // As the distribution does: settings, then logging from config/log4j2.properties (ours,
        // rewritten on every start so it follows the launcher), then the node.
        Path config = home.resolve("config");
        try (InputStream in = DevNode.class.getResourceAsStream("/devnode-log4j2.properties")) {
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(args.get("node-name"));
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings.build(), Map.of(), config, () -> args.get("node-name"));
        LogConfigurator.configure(environment);

        Node node = new ClasspathNode(environment, PLUGINS);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "devnode-shutdown"));

        try {
            node.start();
        } catch (Throwable t) {
            t.printStackTrace();
            // One line last, so that the tail of the log says why (e.g. a port already in use).
            StringBuilder why = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                why.append(why.length() == 0 ? "" : " <- ").append(c);
            }
            System.out.println("devnode: " + args.get("node-name") + " failed to start: " + why);
            System.out.flush();
            Runtime.getRuntime().halt(1);
        }
        System.out.println("devnode: " + args.get("node-name") + " started, http on 127.0.0.1:"
                + args.get("http-port") + ", pid " + ProcessHandle.current().pid());
        // The node's own threads are not all non-daemon: keep the JVM alive until SIGTERM.
        closed.await();
    }

    private static String required(Map<String, String> args, String key) {
        String value = args.get(key);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("missing --" + key + "=...");
        }
        return value;
    }
}
