package dev.herald;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;

/** The layout that docs/architecture.md draws, held: features without cycles, HTTP at the edges only. */
@AnalyzeClasses(packages = "dev.herald", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule noTwoFeaturesDependOnEachOther = slices().matching("dev.herald.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule resourcesAreNamedSo = classes().that().areAnnotatedWith(Path.class)
            .should().haveSimpleNameEndingWith("Resource");

    /**
     * The JAX-RS request API (responses, annotations, providers) is the web boundary's: the resources, the
     * exception mappers, {@code web} and the composition root. {@code MediaType} is a value the SSE API itself
     * uses, and {@code jakarta.ws.rs.sse} is how the hub builds and broadcasts events, by design.
     */
    @ArchTest
    static final ArchRule onlyTheWebBoundaryUsesTheJaxRsRequestApi = noClasses()
            .that().resideOutsideOfPackages("dev.herald.web..", "dev.herald.app..")
            .and().areNotAnnotatedWith(Path.class)
            .and().areNotAnnotatedWith(Provider.class)
            .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                    "are of the JAX-RS request API",
                    type -> (type.getPackageName().equals("jakarta.ws.rs")
                            || type.getPackageName().equals("jakarta.ws.rs.ext")
                            || type.getPackageName().equals("jakarta.ws.rs.core"))
                            && !type.isEquivalentTo(MediaType.class)));

    @ArchTest
    static final ArchRule historyAndBackboneKnowNothingOfHttp = noClasses()
            .that().resideInAnyPackage("dev.herald.history..", "dev.herald.backbone..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "jakarta.servlet..",
                    "dev.herald.web..");

    /** The hub and the writers answer with states and refusals; the resources turn them into statuses. */
    @ArchTest
    static final ArchRule theHubThrowsNoHttpError = noClasses()
            .that().resideInAPackage("dev.herald.stream")
            .and().haveNameNotMatching(".*(Resource|Mapper|Subscription)")
            .should().dependOnClassesThat().resideInAPackage("dev.herald.web..");

    @ArchTest
    static final ArchRule theWebBoundaryIsALeaf = noClasses().that().resideInAPackage("dev.herald.web..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.herald.app..", "dev.herald.stream..",
                    "dev.herald.publish..", "dev.herald.auth..", "dev.herald.ops..", "dev.herald.backbone..",
                    "dev.herald.history..", "dev.herald.config..", "dev.herald.metrics..");

    @ArchTest
    static final ArchRule nothingImportsTheCompositionRoot = noClasses()
            .that().resideOutsideOfPackage("dev.herald.app..")
            .should().dependOnClassesThat().resideInAPackage("dev.herald.app..");
}
